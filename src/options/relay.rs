//! Option 82, relay agent information (RFC 3046): its value as ordered sub-options,
//! and the sub-option codes.
//!
//! The sub-option codes live here, not beside the option codes in
//! [`options`](crate::options), because they number a different space:
//! `relay::AUTHENTICATION` is sub-option 8 of option 82, while
//! [`Authentication`](crate::options::Authentication) is option 90.

use std::fmt;
use std::net::Ipv4Addr;

use super::suboptions::{format_sub_options, SubOptions};
use super::value::{OptionValue, ValueError};

/// Sub-option 1 (RFC 3046): the circuit the request came in on.
pub const AGENT_CIRCUIT_ID: u8 = 1;
/// Sub-option 2 (RFC 3046): the remote host end of the circuit.
pub const AGENT_REMOTE_ID: u8 = 2;
/// Sub-option 4 (RFC 3256): DOCSIS device class.
pub const DOCSIS_DEVICE_CLASS: u8 = 4;
/// Sub-option 5 (RFC 3527): the subnet the client is on, when it is not giaddr's.
pub const LINK_SELECTION: u8 = 5;
/// Sub-option 6 (RFC 3993): subscriber ID.
pub const SUBSCRIBER_ID: u8 = 6;
/// Sub-option 7 (RFC 4014): RADIUS attributes.
pub const RADIUS_ATTRIBUTES: u8 = 7;
/// Sub-option 8 (RFC 4030): authentication.
pub const AUTHENTICATION: u8 = 8;
/// Sub-option 9 (RFC 4243): vendor-specific information.
pub const VENDOR_SPECIFIC_INFORMATION: u8 = 9;
/// Sub-option 10 (RFC 5010): relay agent flags.
pub const RELAY_AGENT_FLAGS: u8 = 10;
/// Sub-option 11 (RFC 5107): the address the client should use as server identifier.
pub const SERVER_IDENTIFIER_OVERRIDE: u8 = 11;
/// Sub-option 12 (RFC 6925): relay agent identifier.
pub const RELAY_AGENT_IDENTIFIER: u8 = 12;
/// Sub-option 151 (RFC 6607): virtual subnet selection.
pub const VIRTUAL_SUBNET_SELECTION: u8 = 151;
/// Sub-option 152 (RFC 6607): virtual subnet selection control.
pub const VIRTUAL_SUBNET_SELECTION_CONTROL: u8 = 152;

/// The name of a relay agent sub-option code.
pub fn relay_sub_option_name(code: u8) -> Option<&'static str> {
    Some(match code {
        AGENT_CIRCUIT_ID => "agent circuit id",
        AGENT_REMOTE_ID => "agent remote id",
        DOCSIS_DEVICE_CLASS => "docsis device class",
        LINK_SELECTION => "link selection",
        SUBSCRIBER_ID => "subscriber id",
        RADIUS_ATTRIBUTES => "radius attributes",
        AUTHENTICATION => "authentication",
        VENDOR_SPECIFIC_INFORMATION => "vendor-specific information",
        RELAY_AGENT_FLAGS => "relay agent flags",
        SERVER_IDENTIFIER_OVERRIDE => "server identifier override",
        RELAY_AGENT_IDENTIFIER => "relay agent identifier",
        VIRTUAL_SUBNET_SELECTION => "virtual subnet selection",
        VIRTUAL_SUBNET_SELECTION_CONTROL => "virtual subnet selection control",
        _ => return None,
    })
}

/// The value of option 82: sub-options in order, unknown ones kept, so it encodes
/// back to the same bytes.
///
/// ```
/// use ex_dhcp::options::{relay::AGENT_CIRCUIT_ID, OptionValue, RelayAgentInfo};
///
/// let info = RelayAgentInfo::decode_value(&[1, 3, b'e', b't', b'1', 2, 1, 9])?;
/// assert_eq!(info.circuit_id(), Some(&b"et1"[..]));
/// assert_eq!(info.remote_id(), Some(&[9][..]));
/// assert_eq!(info.sub_options.get(AGENT_CIRCUIT_ID), Some(&b"et1"[..]));
/// # Ok::<(), ex_dhcp::options::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RelayAgentInfo {
    /// The sub-options, in wire order.
    pub sub_options: SubOptions,
}

impl RelayAgentInfo {
    /// An empty list of sub-options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a sub-option; returns the value for chaining.
    pub fn with(mut self, code: u8, data: impl Into<Vec<u8>>) -> Self {
        self.sub_options.push(code, data);
        self
    }

    /// Sub-option 1, agent circuit ID.
    pub fn circuit_id(&self) -> Option<&[u8]> {
        self.sub_options.get(AGENT_CIRCUIT_ID)
    }

    /// Sub-option 2, agent remote ID.
    pub fn remote_id(&self) -> Option<&[u8]> {
        self.sub_options.get(AGENT_REMOTE_ID)
    }

    /// Sub-option 6, subscriber ID.
    pub fn subscriber_id(&self) -> Option<&[u8]> {
        self.sub_options.get(SUBSCRIBER_ID)
    }

    /// Sub-option 5, link selection, when it holds an address.
    pub fn link_selection(&self) -> Option<Ipv4Addr> {
        self.address(LINK_SELECTION)
    }

    /// Sub-option 11, server identifier override, when it holds an address.
    pub fn server_identifier_override(&self) -> Option<Ipv4Addr> {
        self.address(SERVER_IDENTIFIER_OVERRIDE)
    }

    fn address(&self, code: u8) -> Option<Ipv4Addr> {
        Ipv4Addr::decode_value(self.sub_options.get(code)?).ok()
    }
}

impl OptionValue for RelayAgentInfo {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        SubOptions::decode_value(bytes).map(|sub_options| RelayAgentInfo { sub_options })
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        self.sub_options.encode_value(out);
    }
}

impl fmt::Display for RelayAgentInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_sub_options(f, &self.sub_options, relay_sub_option_name)
    }
}
