//! The built-in typed option keys, and the table of names generated from them.
//!
//! Each key is defined once, here, with its code, name, value type and how a packet
//! dump shows it; the name table ([`name`](super::name)) is generated from the same
//! lines, so a key's `NAME` and the table cannot disagree.

use std::net::Ipv4Addr;

use super::client_id::ClientId;
use super::domain_search::{DomainSearchList, SipServerList};
use super::fqdn::Fqdn;
use super::overload::Overload;
use super::parameter_list::ParameterList;
use super::pxe::{ClientNdi, MachineId};
use super::relay::RelayAgentInfo;
use super::routes::{ClasslessRoute, StaticRoute};
use super::suboptions::SubOptions;
use super::table::Shape;
use super::user_class::UserClasses;
use super::value::NulTerminated;
use super::value::Present;
use super::vendor::VendorInfo;
use super::vendor_identifying::{VendorClasses, VendorIdentifyingInfo};
use crate::dhcp_option;
use crate::packet::MessageType;

/// Defines the keys with [`dhcp_option!`] and the table of (code, name, shape).
macro_rules! known_options {
    ($($(#[$meta:meta])* $key:ident = $code:literal, $name:literal, $value:ty, $shape:ident;)*) => {
        dhcp_option! {
            $($(#[$meta])* pub struct $key = $code, $name, $value;)*
        }

        /// Every built-in option, sorted by code.
        pub(crate) const TABLE: &[(u8, &str, Shape)] = &[$(($code, $name, Shape::$shape)),*];
    };
}

known_options! {
    /// Option 1 (RFC 2132): the client's subnet mask.
    SubnetMask = 1, "subnet mask", Ipv4Addr, Address;
    /// Option 2 (RFC 2132): the subnet's offset from UTC in seconds.
    TimeOffset = 2, "time offset", i32, I32;
    /// Option 3 (RFC 2132): routers on the client's subnet, in order of preference.
    Router = 3, "router", Vec<Ipv4Addr>, Addresses;
    /// Option 4 (RFC 2132): RFC 868 time servers.
    TimeServer = 4, "time server", Vec<Ipv4Addr>, Addresses;
    /// Option 5 (RFC 2132): IEN 116 name servers.
    NameServer = 5, "name server", Vec<Ipv4Addr>, Addresses;
    /// Option 6 (RFC 2132): DNS servers, in order of preference.
    DomainNameServer = 6, "domain name server", Vec<Ipv4Addr>, Addresses;
    /// Option 7 (RFC 2132): MIT-LCS UDP log servers.
    LogServer = 7, "log server", Vec<Ipv4Addr>, Addresses;
    /// Option 8 (RFC 2132): RFC 865 cookie servers.
    CookieServer = 8, "cookie server", Vec<Ipv4Addr>, Addresses;
    /// Option 9 (RFC 2132): RFC 1179 line printer servers.
    LprServer = 9, "lpr server", Vec<Ipv4Addr>, Addresses;
    /// Option 10 (RFC 2132): Imagen Impress servers.
    ImpressServer = 10, "impress server", Vec<Ipv4Addr>, Addresses;
    /// Option 11 (RFC 2132): RFC 887 resource location servers.
    ResourceLocationServer = 11, "resource location server", Vec<Ipv4Addr>, Addresses;
    /// Option 12 (RFC 2132): the client's host name.
    HostName = 12, "host name", String, Text;
    /// Option 13 (RFC 2132): the boot file's length in 512-byte blocks.
    BootFileSize = 13, "boot file size", u16, U16;
    /// Option 14 (RFC 2132): where the client should dump its core image.
    MeritDumpFile = 14, "merit dump file", String, Text;
    /// Option 15 (RFC 2132): the DNS domain name.
    DomainName = 15, "domain name", String, Text;
    /// Option 16 (RFC 2132): the client's swap server.
    SwapServer = 16, "swap server", Ipv4Addr, Address;
    /// Option 17 (RFC 2132): the path of the client's root disk.
    RootPath = 17, "root path", String, Text;
    /// Option 18 (RFC 2132): a TFTP file holding more options.
    ExtensionsPath = 18, "extensions path", String, Text;
    /// Option 19 (RFC 2132): whether the client forwards IP packets.
    IpForwarding = 19, "ip forwarding", bool, Bool;
    /// Option 20 (RFC 2132): whether the client forwards non-local source-routed datagrams.
    NonLocalSourceRouting = 20, "non-local source routing", bool, Bool;
    /// Option 21 (RFC 2132): address/mask pairs for non-local source routes.
    PolicyFilter = 21, "policy filter", Vec<Ipv4Addr>, Addresses;
    /// Option 22 (RFC 2132): the largest datagram the client must reassemble.
    MaxDatagramReassemblySize = 22, "maximum datagram reassembly size", u16, U16;
    /// Option 23 (RFC 2132): the default IP TTL.
    DefaultIpTtl = 23, "default ip time-to-live", u8, U8;
    /// Option 24 (RFC 2132): path MTU aging timeout in seconds.
    PathMtuAgingTimeout = 24, "path mtu aging timeout", u32, U32;
    /// Option 25 (RFC 2132): MTU sizes for path MTU discovery.
    PathMtuPlateauTable = 25, "path mtu plateau table", Vec<u16>, U16s;
    /// Option 26 (RFC 2132): the MTU of the interface.
    InterfaceMtu = 26, "interface mtu", u16, U16;
    /// Option 27 (RFC 2132): whether every subnet shares the client's MTU.
    AllSubnetsAreLocal = 27, "all subnets are local", bool, Bool;
    /// Option 28 (RFC 2132): the subnet's broadcast address.
    BroadcastAddress = 28, "broadcast address", Ipv4Addr, Address;
    /// Option 29 (RFC 2132): whether to use ICMP mask discovery.
    PerformMaskDiscovery = 29, "perform mask discovery", bool, Bool;
    /// Option 30 (RFC 2132): whether to answer ICMP mask requests.
    MaskSupplier = 30, "mask supplier", bool, Bool;
    /// Option 31 (RFC 2132): whether to use RFC 1256 router discovery.
    PerformRouterDiscovery = 31, "perform router discovery", bool, Bool;
    /// Option 32 (RFC 2132): where to send router solicitations.
    RouterSolicitationAddress = 32, "router solicitation address", Ipv4Addr, Address;
    /// Option 33 (RFC 2132): classful static routes, destination and router.
    StaticRoutes = 33, "static route", Vec<StaticRoute>, StaticRoutes;
    /// Option 34 (RFC 2132): whether to negotiate ARP trailers.
    TrailerEncapsulation = 34, "trailer encapsulation", bool, Bool;
    /// Option 35 (RFC 2132): ARP cache timeout in seconds.
    ArpCacheTimeout = 35, "arp cache timeout", u32, U32;
    /// Option 36 (RFC 2132): true for IEEE 802.3, false for Ethernet II.
    EthernetEncapsulation = 36, "ethernet encapsulation", bool, Bool;
    /// Option 37 (RFC 2132): the default TCP TTL.
    TcpDefaultTtl = 37, "tcp default ttl", u8, U8;
    /// Option 38 (RFC 2132): TCP keepalive interval in seconds.
    TcpKeepaliveInterval = 38, "tcp keepalive interval", u32, U32;
    /// Option 39 (RFC 2132): whether keepalives carry a garbage byte.
    TcpKeepaliveGarbage = 39, "tcp keepalive garbage", bool, Bool;
    /// Option 40 (RFC 2132): the NIS domain.
    NisDomain = 40, "nis domain", String, Text;
    /// Option 41 (RFC 2132): NIS servers.
    NisServers = 41, "nis servers", Vec<Ipv4Addr>, Addresses;
    /// Option 42 (RFC 2132): NTP servers.
    NtpServers = 42, "ntp servers", Vec<Ipv4Addr>, Addresses;
    /// Option 43 (RFC 2132): vendor-specific information, PXE's sub-options included.
    VendorSpecificInformation = 43, "vendor-specific information", VendorInfo, VendorInfo;
    /// Option 44 (RFC 2132): NetBIOS name servers (WINS).
    NetbiosNameServers = 44, "netbios over tcp/ip name server", Vec<Ipv4Addr>, Addresses;
    /// Option 45 (RFC 2132): NetBIOS datagram distribution servers.
    NetbiosDatagramDistributionServers = 45, "netbios over tcp/ip datagram distribution server", Vec<Ipv4Addr>, Addresses;
    /// Option 46 (RFC 2132): NetBIOS node type (1 B, 2 P, 4 M, 8 H).
    NetbiosNodeType = 46, "netbios over tcp/ip node type", u8, U8;
    /// Option 47 (RFC 2132): the NetBIOS scope.
    NetbiosScope = 47, "netbios over tcp/ip scope", String, Text;
    /// Option 48 (RFC 2132): X Window System font servers.
    XWindowFontServers = 48, "x window system font server", Vec<Ipv4Addr>, Addresses;
    /// Option 49 (RFC 2132): X Window System display managers.
    XWindowDisplayManagers = 49, "x window system display manager", Vec<Ipv4Addr>, Addresses;
    /// Option 50 (RFC 2132): the address the client asks for.
    RequestedIpAddress = 50, "requested ip address", Ipv4Addr, Address;
    /// Option 51 (RFC 2132): lease time in seconds.
    LeaseTime = 51, "ip address lease time", u32, U32;
    /// Option 52 (RFC 2132): `file` and/or `sname` carry options too.
    OptionOverload = 52, "option overload", Overload, Overload;
    /// Option 53 (RFC 2132): the DHCP message type.
    DhcpMessageType = 53, "dhcp message type", MessageType, MessageType;
    /// Option 54 (RFC 2132): the server's identifier, an address of the server.
    ServerIdentifier = 54, "server identifier", Ipv4Addr, Address;
    /// Option 55 (RFC 2132): the option codes the client wants, in order of preference.
    ParameterRequestList = 55, "parameter request list", ParameterList, Codes;
    /// Option 56 (RFC 2132): an error message, in a DHCPNAK or DHCPDECLINE.
    Message = 56, "message", String, Text;
    /// Option 57 (RFC 2132): the largest DHCP message the client accepts.
    MaxMessageSize = 57, "maximum dhcp message size", u16, U16;
    /// Option 58 (RFC 2132): renewal time T1 in seconds.
    RenewalTime = 58, "renewal (t1) time value", u32, U32;
    /// Option 59 (RFC 2132): rebinding time T2 in seconds.
    RebindingTime = 59, "rebinding (t2) time value", u32, U32;
    /// Option 60 (RFC 2132): the client's vendor and configuration, such as `PXEClient:Arch:00007:UNDI:003016`.
    VendorClassIdentifier = 60, "vendor class identifier", String, Text;
    /// Option 61 (RFC 2132): the client identifier, type byte first.
    ClientIdentifier = 61, "client identifier", ClientId, ClientId;
    /// Option 64 (RFC 2132): the NIS+ domain.
    NisPlusDomain = 64, "nis+ domain", String, Text;
    /// Option 65 (RFC 2132): NIS+ servers.
    NisPlusServers = 65, "nis+ servers", Vec<Ipv4Addr>, Addresses;
    /// Option 66 (RFC 2132): the TFTP server, by name or dotted address.
    TftpServerName = 66, "tftp server name", String, Text;
    /// Option 67 (RFC 2132): the boot file; see [`NulTerminated`] and [`BootfileNameNul`] for firmware that wants a NUL.
    BootfileName = 67, "bootfile name", String, Text;
    /// Option 68 (RFC 2132): mobile IP home agents.
    MobileIpHomeAgents = 68, "mobile ip home agent", Vec<Ipv4Addr>, Addresses;
    /// Option 69 (RFC 2132): SMTP servers.
    SmtpServers = 69, "smtp server", Vec<Ipv4Addr>, Addresses;
    /// Option 70 (RFC 2132): POP3 servers.
    Pop3Servers = 70, "pop3 server", Vec<Ipv4Addr>, Addresses;
    /// Option 71 (RFC 2132): NNTP servers.
    NntpServers = 71, "nntp server", Vec<Ipv4Addr>, Addresses;
    /// Option 72 (RFC 2132): WWW servers.
    WwwServers = 72, "default www server", Vec<Ipv4Addr>, Addresses;
    /// Option 73 (RFC 2132): finger servers.
    FingerServers = 73, "default finger server", Vec<Ipv4Addr>, Addresses;
    /// Option 74 (RFC 2132): IRC servers.
    IrcServers = 74, "default irc server", Vec<Ipv4Addr>, Addresses;
    /// Option 75 (RFC 2132): StreetTalk servers.
    StreetTalkServers = 75, "streettalk server", Vec<Ipv4Addr>, Addresses;
    /// Option 76 (RFC 2132): StreetTalk directory assistance servers.
    StdaServers = 76, "streettalk directory assistance server", Vec<Ipv4Addr>, Addresses;
    /// Option 77 (RFC 3004): user classes, or the plain text Microsoft clients send.
    UserClass = 77, "user class", UserClasses, UserClass;
    /// Option 80 (RFC 4039): the client accepts a two-message exchange; empty.
    RapidCommit = 80, "rapid commit", Present, Empty;
    /// Option 81 (RFC 4702): the client's fully qualified domain name and DNS update flags.
    ClientFqdn = 81, "client fqdn", Fqdn, Fqdn;
    /// Option 82 (RFC 3046): what the relay agent knows about the client, echoed in replies.
    RelayAgentInformation = 82, "relay agent information", RelayAgentInfo, RelayInfo;
    /// Option 90 (RFC 3118): authentication, kept as bytes.
    Authentication = 90, "authentication", Vec<u8>, Bytes;
    /// Option 91 (RFC 4388): seconds since the client last talked to the server.
    ClientLastTransactionTime = 91, "client last transaction time", u32, U32;
    /// Option 92 (RFC 4388): the client's other addresses.
    AssociatedIp = 92, "associated ip", Vec<Ipv4Addr>, Addresses;
    /// Option 93 (RFC 4578): the client's pre-boot architectures; see [`architecture_name`](crate::options::architecture_name).
    ClientSystemArchitecture = 93, "client system architecture", Vec<u16>, Architectures;
    /// Option 94 (RFC 4578): the client's UNDI version.
    ClientNetworkInterface = 94, "client network interface identifier", ClientNdi, Ndi;
    /// Option 97 (RFC 4578): the client's UUID/GUID.
    ClientMachineIdentifier = 97, "client machine identifier", MachineId, MachineId;
    /// Option 100 (RFC 4833): the POSIX time zone string.
    PosixTimezone = 100, "pcode", String, Text;
    /// Option 101 (RFC 4833): the tz database time zone name.
    TzDatabaseTimezone = 101, "tcode", String, Text;
    /// Option 108 (RFC 8925): seconds the client may go without IPv4.
    Ipv6OnlyPreferred = 108, "ipv6-only preferred", u32, U32;
    /// Option 114 (RFC 8910): the captive portal API URI.
    CaptivePortal = 114, "captive portal", String, Text;
    /// Option 116 (RFC 2563): 0 do not auto-configure, 1 auto-configure.
    AutoConfigure = 116, "auto-configure", u8, U8;
    /// Option 118 (RFC 3011): the subnet to allocate from.
    SubnetSelection = 118, "subnet selection", Ipv4Addr, Address;
    /// Option 119 (RFC 3397): the domain search list, DNS names with compression.
    DomainSearch = 119, "domain search", DomainSearchList, DomainSearch;
    /// Option 120 (RFC 3361): SIP servers, by name or address.
    SipServers = 120, "sip servers", SipServerList, Sip;
    /// Option 121 (RFC 3442): classless static routes; clients ignore option 3 when it is present.
    ClasslessStaticRoutes = 121, "classless static route", Vec<ClasslessRoute>, ClasslessRoutes;
    /// Option 122 (RFC 3495): CableLabs client configuration sub-options.
    CableLabsClientConfiguration = 122, "cablelabs client configuration", SubOptions, SubOptions;
    /// Option 124 (RFC 3925): vendor classes per enterprise number.
    VendorIdentifyingVendorClass = 124, "v-i vendor class", VendorClasses, VendorClasses;
    /// Option 125 (RFC 3925): vendor sub-options per enterprise number.
    VendorIdentifyingVendorSpecific = 125, "v-i vendor-specific information", VendorIdentifyingInfo, VendorOptions;
    /// Option 145 (RFC 6704): the FORCERENEW nonce algorithms the client supports.
    ForcerenewNonceCapable = 145, "forcerenew nonce capable", Vec<u8>, Bytes;
    /// Option 150 (RFC 5859): TFTP servers by address.
    TftpServerAddress = 150, "tftp server address", Vec<Ipv4Addr>, Addresses;
    /// Option 209 (RFC 5071): the PXELINUX configuration file.
    PxelinuxConfigFile = 209, "pxelinux configuration file", String, Text;
    /// Option 210 (RFC 5071): the PXELINUX path prefix.
    PxelinuxPathPrefix = 210, "pxelinux path prefix", String, Text;
    /// Option 211 (RFC 5071): seconds before PXELINUX reboots when it fails.
    PxelinuxRebootTime = 211, "pxelinux reboot time", u32, U32;
    /// Option 252 (WPAD draft): the proxy auto-config URL.
    WebProxyAutoDiscovery = 252, "web proxy auto-discovery", String, Text;
}

dhcp_option! {
    /// Option 67 written with a terminating NUL, as some UEFI firmware wants.
    ///
    /// The same option as [`BootfileName`] (and it reads the same way); use this key
    /// to set it when old UEFI PXE stacks fail to load a boot file whose name is not
    /// NUL-terminated, which Windows DHCP servers always terminate.
    pub struct BootfileNameNul = 67, "bootfile name", NulTerminated;
}
