//! # ex_dhcp
//!
//! A synchronous library for writing DHCPv4 servers.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations, unreachable_pub)]

pub mod capture;
mod error;
pub mod options;
mod packet;

pub use error::{DecodeError, EncodeError, OptionError};
pub use packet::{
    respond, Flags, MessageType, Op, Packet, CHADDR_LEN, ETHERNET_ADDR_LEN, FILE_LEN, HEADER_LEN,
    HTYPE_ETHERNET, MAGIC_COOKIE, MIN_PACKET_LEN, SNAME_LEN,
};
