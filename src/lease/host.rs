//! What the operator knows of one client: a fixed address, a host name, a boot file,
//! options of its own.

use std::net::Ipv4Addr;

use crate::options::{
    BootfileName, DhcpOption, HostName, OptionArg, Options, ParameterRequestList,
};
use crate::Packet;

use super::pool::Mac;

/// One client's reservation and data, by MAC address: what ISC dhcpd calls a host
/// declaration and Kea a host reservation.
///
/// Every field is optional. A host with an address gets that address (it must be on
/// one of the engine's subnets; inside a range or not); one without gets an address
/// from the pool like any client, and the rest of its data either way: its host name
/// as option 12, its boot file in `file` (and as option 67 when the client asks for
/// it), its next server in `siaddr`, and its own options, which replace the subnet's
/// and are sent whether the client asks for them or not.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ex_dhcp::lease::Host;
/// use ex_dhcp::options::NtpServers;
///
/// let nuc = Host::new("f4:4d:30:6c:93:b2".parse::<ex_dhcp::Mac>()?)
///     .address(Ipv4Addr::new(198, 18, 7, 20))
///     .hostname("nuc-20")
///     .boot_file("ipxe.efi")
///     .next_server(Ipv4Addr::new(198, 18, 7, 2))
///     .option(NtpServers, vec![Ipv4Addr::new(198, 18, 7, 1)]);
/// assert_eq!(nuc.addr(), Some(Ipv4Addr::new(198, 18, 7, 20)));
/// assert_eq!(nuc.mac().to_string(), "f4:4d:30:6c:93:b2");
/// # Ok::<(), ex_dhcp::MacParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    mac: Mac,
    addr: Option<Ipv4Addr>,
    hostname: Option<String>,
    boot_file: Option<String>,
    next_server: Option<Ipv4Addr>,
    options: Options,
    tags: Vec<String>,
}

impl Host {
    /// A host known by its MAC address, with nothing set yet.
    pub fn new(mac: impl Into<Mac>) -> Self {
        Host {
            mac: mac.into(),
            addr: None,
            hostname: None,
            boot_file: None,
            next_server: None,
            options: Options::new(),
            tags: Vec::new(),
        }
    }

    /// Its fixed address.
    #[must_use]
    pub fn address(mut self, addr: Ipv4Addr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// Its host name (option 12).
    #[must_use]
    pub fn hostname(mut self, name: impl Into<String>) -> Self {
        self.hostname = Some(name.into());
        self
    }

    /// Its boot file (`file`, and option 67 when asked for).
    #[must_use]
    pub fn boot_file(mut self, file: impl Into<String>) -> Self {
        self.boot_file = Some(file.into());
        self
    }

    /// The server it boots from (`siaddr`).
    #[must_use]
    pub fn next_server(mut self, addr: Ipv4Addr) -> Self {
        self.next_server = Some(addr);
        self
    }

    /// An option of its own, sent in every reply to it.
    #[must_use]
    pub fn option<O: DhcpOption>(mut self, option: O, value: impl OptionArg<O::Value>) -> Self {
        self.options.set(option, value);
        self
    }

    /// [`option`](Self::option) with the value's bytes as they go on the wire.
    #[must_use]
    pub fn raw_option(mut self, code: u8, value: &[u8]) -> Self {
        self.options.set_raw(code, value);
        self
    }

    /// A tag of the user's: a name the hooks can test ([`has_tag`](Self::has_tag)),
    /// for what the engine knows nothing of (a class of machine, a boot policy), as
    /// dnsmasq's tags and Kea's client classes do.
    #[must_use]
    pub fn tag(mut self, name: impl Into<String>) -> Self {
        self.tags.push(name.into());
        self
    }

    /// True when the host has the tag `name`.
    pub fn has_tag(&self, name: &str) -> bool {
        self.tags.iter().any(|tag| tag == name)
    }

    /// Its tags, in the order given.
    pub fn tags(&self) -> impl Iterator<Item = &str> + '_ {
        self.tags.iter().map(String::as_str)
    }

    /// Its MAC address.
    pub fn mac(&self) -> Mac {
        self.mac
    }

    /// Its fixed address, if it has one.
    pub fn addr(&self) -> Option<Ipv4Addr> {
        self.addr
    }

    /// Its host name, if set.
    pub fn hostname_str(&self) -> Option<&str> {
        self.hostname.as_deref()
    }

    /// Its boot file, if set.
    pub fn boot_file_str(&self) -> Option<&str> {
        self.boot_file.as_deref()
    }

    /// Its next server, if set.
    pub fn next_server_addr(&self) -> Option<Ipv4Addr> {
        self.next_server
    }

    /// Its own options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Writes the host's data into a reply to `request` that gives it an address.
    pub(crate) fn apply(&self, reply: &mut Packet, request: &Packet) {
        if let Some(name) = &self.hostname {
            reply.options.set(HostName, name);
        }
        if let Some(file) = &self.boot_file {
            reply.set_file(file);
            let asked = request
                .options
                .get_raw(ParameterRequestList::CODE)
                .is_some_and(|list| list.contains(&BootfileName::CODE));
            if asked {
                reply.options.set(BootfileName, file);
            }
        }
        if let Some(next) = self.next_server {
            reply.siaddr = next;
        }
        for option in self.options.iter() {
            reply.options.set_raw(option.code, option.data);
        }
    }
}
