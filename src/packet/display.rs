//! A readable, multi-line dump of a packet for logs and the snooper.

use std::fmt;

use super::Packet;
use crate::options;

impl fmt::Display for Packet {
    /// One header line, the fields, then one line per option with its name and value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message_type() {
            Some(kind) => writeln!(f, "{kind} xid {:#010x}", self.xid)?,
            None => writeln!(f, "BOOTP {:?} xid {:#010x}", self.op, self.xid)?,
        }
        writeln!(
            f,
            "  op {} htype {} hlen {} hops {} secs {} flags {:#06x}{}",
            u8::from(self.op),
            self.htype,
            self.hlen,
            self.hops,
            self.secs,
            self.flags.0,
            if self.broadcast() { " (broadcast)" } else { "" }
        )?;
        writeln!(
            f,
            "  ciaddr {} yiaddr {} siaddr {} giaddr {}",
            self.ciaddr, self.yiaddr, self.siaddr, self.giaddr
        )?;
        write!(f, "  chaddr ")?;
        write_hex(f, self.hardware_addr(), ':')?;
        writeln!(f)?;
        if let Some(name) = self.sname_str().filter(|s| !s.is_empty()) {
            writeln!(f, "  sname {name:?}")?;
        }
        if let Some(name) = self.file_str().filter(|s| !s.is_empty()) {
            writeln!(f, "  file {name:?}")?;
        }
        for option in self.options.iter() {
            write!(f, "  option {:3} ", option.code)?;
            match options::name(option.code) {
                Some(name) => write!(f, "{name}: ")?,
                None => write!(f, "unknown: ")?,
            }
            options::format_value(f, option.code, option.data)?;
            writeln!(f)?;
        }
        Ok(())
    }
}

pub(crate) fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8], separator: char) -> fmt::Result {
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            write!(f, "{separator}")?;
        }
        write!(f, "{byte:02x}")?;
    }
    Ok(())
}
