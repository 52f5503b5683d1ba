//! A handler whose replies the kernel refuses, for the send-failure tests (hermetic
//! EINVAL in `tests/it`, EPERM behind a firewall in the tools' interop suite).

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::mpsc;

use ex_dhcp::server::SendFailure;
use ex_dhcp::{respond, Context, Handler, MessageType, Packet, Reply, Source};

use crate::OFFERED;

/// Linux errno values the failures must carry.
pub const EPERM: i32 = 1;
pub const EINVAL: i32 = 22;
/// A DISCOVER with this xid is answered at the address the handler was given to refuse.
pub const REFUSED_XID: u32 = 0x0bad_0001;
/// A DISCOVER answered normally.
pub const PROBE_XID: u32 = 0x600d_0001;
/// UDP port 0: `sendto` refuses it with EINVAL.
pub const REFUSING_PORT_ZERO: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);

/// What `send_failed` was given.
#[derive(Debug, PartialEq, Eq)]
pub struct Failed {
    pub xid: u32,
    pub to: SocketAddrV4,
    pub kind: io::ErrorKind,
    pub errno: Option<i32>,
}

/// Answers DISCOVERs; the one with [`REFUSED_XID`] goes to `refused`. A failed reply
/// is reported to the test and sent again to `fallback`, if there is one.
pub struct Misdirects {
    pub refused: SocketAddrV4,
    pub fallback: Option<SocketAddrV4>,
    pub failures: mpsc::Sender<Failed>,
}

impl Handler for Misdirects {
    type Message = ();
    fn discover(&mut self, packet: &Packet, _: &Source, _: &mut Context) -> Reply {
        let offer = respond(packet, MessageType::Offer).with_yiaddr(OFFERED);
        if packet.xid == REFUSED_XID {
            Reply::SendTo(offer, self.refused)
        } else {
            offer.into()
        }
    }
    fn request(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn decline(&mut self, _: &Packet, _: &Source, _: &mut Context) -> Reply {
        Reply::None
    }
    fn send_failed(&mut self, failure: SendFailure, _: &mut Context) -> Reply {
        let failed = Failed {
            xid: failure.packet.xid,
            to: failure.to,
            kind: failure
                .error
                .io()
                .map_or(io::ErrorKind::Other, io::Error::kind),
            errno: failure.error.io().and_then(io::Error::raw_os_error),
        };
        self.failures.send(failed).expect("the test is listening");
        match self.fallback {
            Some(to) => Reply::SendTo(failure.packet, to),
            None => Reply::None,
        }
    }
}
