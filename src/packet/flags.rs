//! The BOOTP `flags` field.

use core::fmt;

/// The 16-bit `flags` field. Only the most significant bit, BROADCAST, has a meaning
/// (RFC 2131, figure 2); the other bits are kept as they came.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u16);

impl Flags {
    /// The BROADCAST bit: the client cannot receive unicast before it is configured.
    pub const BROADCAST: u16 = 0x8000;

    /// True when the BROADCAST bit is set.
    pub fn broadcast(self) -> bool {
        self.0 & Self::BROADCAST != 0
    }

    /// The same flags with the BROADCAST bit set or cleared.
    pub fn with_broadcast(self, broadcast: bool) -> Self {
        if broadcast {
            Flags(self.0 | Self::BROADCAST)
        } else {
            Flags(self.0 & !Self::BROADCAST)
        }
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flags({:#06x}", self.0)?;
        if self.broadcast() {
            f.write_str(", broadcast")?;
        }
        f.write_str(")")
    }
}
