//! The built-in typed option keys.

use std::net::Ipv4Addr;

use crate::dhcp_option;
use crate::packet::MessageType;

dhcp_option! {
    /// Option 1 (RFC 2132): the client's subnet mask.
    pub struct SubnetMask = 1, "subnet mask", Ipv4Addr;
    /// Option 3 (RFC 2132): routers on the client's subnet, in order of preference.
    pub struct Router = 3, "router", Vec<Ipv4Addr>;
    /// Option 6 (RFC 2132): DNS servers, in order of preference.
    pub struct DomainNameServer = 6, "domain name server", Vec<Ipv4Addr>;
    /// Option 12 (RFC 2132): the client's host name.
    pub struct HostName = 12, "host name", String;
    /// Option 15 (RFC 2132): the DNS domain name.
    pub struct DomainName = 15, "domain name", String;
    /// Option 50 (RFC 2132): the address the client asks for.
    pub struct RequestedIpAddress = 50, "requested ip address", Ipv4Addr;
    /// Option 51 (RFC 2132): lease time in seconds.
    pub struct LeaseTime = 51, "ip address lease time", u32;
    /// Option 53 (RFC 2132): the DHCP message type.
    pub struct DhcpMessageType = 53, "dhcp message type", MessageType;
    /// Option 54 (RFC 2132): the server's identifier, an address of the server.
    pub struct ServerIdentifier = 54, "server identifier", Ipv4Addr;
    /// Option 55 (RFC 2132): the option codes the client wants, in order of preference.
    pub struct ParameterRequestList = 55, "parameter request list", Vec<u8>;
    /// Option 57 (RFC 2132): the largest DHCP message the client accepts.
    pub struct MaxMessageSize = 57, "maximum dhcp message size", u16;
    /// Option 58 (RFC 2132): renewal time T1 in seconds.
    pub struct RenewalTime = 58, "renewal (t1) time value", u32;
    /// Option 59 (RFC 2132): rebinding time T2 in seconds.
    pub struct RebindingTime = 59, "rebinding (t2) time value", u32;
    /// Option 61 (RFC 2132): the client identifier, type byte first.
    pub struct ClientIdentifier = 61, "client identifier", Vec<u8>;
}
