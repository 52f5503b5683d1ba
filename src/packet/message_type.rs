//! DHCP message types (option 53).

use core::fmt;

macro_rules! message_types {
    ($($(#[$doc:meta])* $variant:ident = $value:literal, $name:literal;)*) => {
        /// The value of option 53, DHCP message type.
        ///
        /// Covers RFC 2131 (1..=8), RFC 3203 FORCERENEW (9), RFC 4388 leasequery (10..=13),
        /// RFC 6926 bulk leasequery (14, 15) and RFC 7724 active leasequery (16..=18). Any
        /// other value is kept as [`MessageType::Unknown`], so conversion to and from `u8`
        /// is lossless.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum MessageType {
            $($(#[$doc])* $variant,)*
            /// Any other value, kept as it came.
            Unknown(u8),
        }

        impl MessageType {
            /// Every known message type, in numeric order.
            pub const ALL: &'static [MessageType] = &[$(MessageType::$variant),*];

            /// The protocol name as the RFCs write it (`DHCPDISCOVER`, ...); `None` for unknown values.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(MessageType::$variant => Some($name),)*
                    MessageType::Unknown(_) => None,
                }
            }
        }

        impl From<u8> for MessageType {
            fn from(value: u8) -> Self {
                match value {
                    $($value => MessageType::$variant,)*
                    other => MessageType::Unknown(other),
                }
            }
        }

        impl From<MessageType> for u8 {
            fn from(value: MessageType) -> Self {
                match value {
                    $(MessageType::$variant => $value,)*
                    MessageType::Unknown(other) => other,
                }
            }
        }
    };
}

message_types! {
    /// DHCPDISCOVER (1): a client looks for servers.
    Discover = 1, "DHCPDISCOVER";
    /// DHCPOFFER (2): a server offers an address.
    Offer = 2, "DHCPOFFER";
    /// DHCPREQUEST (3): a client asks for, confirms or renews an address.
    Request = 3, "DHCPREQUEST";
    /// DHCPDECLINE (4): a client found the offered address already in use.
    Decline = 4, "DHCPDECLINE";
    /// DHCPACK (5): a server commits the address and parameters.
    Ack = 5, "DHCPACK";
    /// DHCPNAK (6): a server refuses the client's notion of its address.
    Nak = 6, "DHCPNAK";
    /// DHCPRELEASE (7): a client gives its address back.
    Release = 7, "DHCPRELEASE";
    /// DHCPINFORM (8): a client that has an address asks for configuration only.
    Inform = 8, "DHCPINFORM";
    /// DHCPFORCERENEW (9, RFC 3203): a server tells a client to renew.
    ForceRenew = 9, "DHCPFORCERENEW";
    /// DHCPLEASEQUERY (10, RFC 4388).
    LeaseQuery = 10, "DHCPLEASEQUERY";
    /// DHCPLEASEUNASSIGNED (11, RFC 4388).
    LeaseUnassigned = 11, "DHCPLEASEUNASSIGNED";
    /// DHCPLEASEUNKNOWN (12, RFC 4388).
    LeaseUnknown = 12, "DHCPLEASEUNKNOWN";
    /// DHCPLEASEACTIVE (13, RFC 4388).
    LeaseActive = 13, "DHCPLEASEACTIVE";
    /// DHCPBULKLEASEQUERY (14, RFC 6926).
    BulkLeaseQuery = 14, "DHCPBULKLEASEQUERY";
    /// DHCPLEASEQUERYDONE (15, RFC 6926).
    LeaseQueryDone = 15, "DHCPLEASEQUERYDONE";
    /// DHCPACTIVELEASEQUERY (16, RFC 7724).
    ActiveLeaseQuery = 16, "DHCPACTIVELEASEQUERY";
    /// DHCPLEASEQUERYSTATUS (17, RFC 7724).
    LeaseQueryStatus = 17, "DHCPLEASEQUERYSTATUS";
    /// DHCPTLS (18, RFC 7724).
    Tls = 18, "DHCPTLS";
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "DHCP message type {}", u8::from(*self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_converts_losslessly() {
        for value in 0..=u8::MAX {
            assert_eq!(u8::from(MessageType::from(value)), value);
        }
    }

    #[test]
    fn known_values_are_one_to_eighteen_in_order() {
        assert_eq!(MessageType::ALL.len(), 18);
        for (index, kind) in MessageType::ALL.iter().enumerate() {
            assert_eq!(usize::from(u8::from(*kind)), index + 1);
        }
        assert_eq!(MessageType::from(0), MessageType::Unknown(0));
        assert_eq!(MessageType::from(19), MessageType::Unknown(19));
        assert_eq!(MessageType::Unknown(42).to_string(), "DHCP message type 42");
        assert_eq!(MessageType::Inform.to_string(), "DHCPINFORM");
    }
}
