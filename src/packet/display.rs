//! A readable, multi-line dump of a packet for logs and the snooper.

use std::fmt;

use super::Packet;
use crate::options::{self, DhcpOption, OptionNames, OptionValue};

impl fmt::Display for Packet {
    /// One header line, the fields, then one line per option with its name and value,
    /// structured values decoded (relay agent and vendor sub-options, routes, domain
    /// names, requested option names). Options the library does not know show as
    /// `unknown`; see [`Packet::display_with`] to name your own.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_with(f, OptionNames::builtin())
    }
}

/// A packet dump with names from an [`OptionNames`] table: [`Packet::display_with`].
#[derive(Debug, Clone, Copy)]
pub struct PacketDisplay<'a> {
    packet: &'a Packet,
    names: &'a OptionNames,
}

impl fmt::Display for PacketDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.packet.fmt_with(f, self.names)
    }
}

impl Packet {
    /// The packet dump of `Display`, with option names from `names` too, so that your
    /// own options read like the built-in ones (see [`OptionNames`]).
    pub fn display_with<'a>(&'a self, names: &'a OptionNames) -> PacketDisplay<'a> {
        PacketDisplay {
            packet: self,
            names,
        }
    }

    fn fmt_with(&self, f: &mut fmt::Formatter<'_>, names: &OptionNames) -> fmt::Result {
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
        let mut occurrences = [0_usize; 256];
        for option in self.options.iter() {
            occurrences[usize::from(option.code)] += 1;
        }
        let mut shown = [false; 256];
        for option in self.options.iter() {
            write!(f, "  option {:3} ", option.code)?;
            match names.name(option.code) {
                Some(name) => write!(f, "{name}: ")?,
                None => write!(f, "unknown: ")?,
            }
            let count = occurrences[usize::from(option.code)];
            let seen = &mut shown[usize::from(option.code)];
            if option.code == options::VendorSpecificInformation::CODE && count == 1 {
                self.format_vendor_info(f, option.data)?;
            } else if count == 1 {
                options::format_value(f, option.code, option.data)?;
            } else if !*seen {
                // RFC 3396: the value is all occurrences joined; show it once, whole.
                let joined = self.options.get_raw(option.code).unwrap_or_default();
                options::format_value(f, option.code, &joined)?;
                write!(f, " (joined from {count} occurrences)")?;
            } else {
                write!(f, "(continued, {} bytes)", option.data.len())?;
            }
            *seen = true;
            writeln!(f)?;
        }
        Ok(())
    }
}

impl Packet {
    /// Option 43, with PXE sub-option names when the vendor class says PXE.
    fn format_vendor_info(&self, f: &mut fmt::Formatter<'_>, data: &[u8]) -> fmt::Result {
        let pxe = self
            .options
            .get_raw(options::VendorClassIdentifier::CODE)
            .is_some_and(|class| class.starts_with(PXE_CLIENT) || class.starts_with(PXE_SERVER));
        match options::VendorInfo::decode_value(data) {
            Ok(info) => info.format(f, pxe),
            Err(_) => write_hex(f, data, ' '),
        }
    }
}

/// The vendor class prefixes of PXE clients and servers (PXE specification 2.1).
const PXE_CLIENT: &[u8] = b"PXEClient";
const PXE_SERVER: &[u8] = b"PXEServer";

pub(crate) fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8], separator: char) -> fmt::Result {
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            write!(f, "{separator}")?;
        }
        write!(f, "{byte:02x}")?;
    }
    Ok(())
}
