//! The BOOTP `op` field.

/// The BOOTP message op code: request from a client, or reply from a server.
///
/// Unknown values are kept, so conversion to and from `u8` is lossless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// BOOTREQUEST (1): client to server.
    Request,
    /// BOOTREPLY (2): server to client.
    Reply,
    /// Any other value, kept as it came.
    Unknown(u8),
}

impl From<u8> for Op {
    fn from(value: u8) -> Self {
        match value {
            1 => Op::Request,
            2 => Op::Reply,
            other => Op::Unknown(other),
        }
    }
}

impl From<Op> for u8 {
    fn from(value: Op) -> Self {
        match value {
            Op::Request => 1,
            Op::Reply => 2,
            Op::Unknown(other) => other,
        }
    }
}
