//! Fitting a reply into the largest message the client accepts.
//!
//! The limit is option 57 of the request, which counts the whole IP datagram, never
//! below 576 bytes (the minimum every host must accept, RFC 2131 section 2); 576
//! when the option is absent. The DHCP message gets that less 28 bytes of IP and UDP
//! headers. When a reply is longer, whole options are dropped, least important first.
//! Never dropped: message type (53), server identifier (54), lease time (51) and
//! subnet mask (1), without which a client cannot use the reply (together they take
//! 21 bytes, so a reply of them always fits). Kept next, in order: T1 (58), T2 (59),
//! message (56), rapid commit (80: RFC 4039 section 3.1 has a client ignore an ACK to
//! its DISCOVER without it); then relay agent information (82: RFC 3046 section 2.2
//! has servers echo it, and a relay may need it to deliver the reply at all); then the
//! options the client asked for in its parameter request list (55), in its order; then
//! the other options in wire order.

use crate::options::{
    DhcpMessageType, DhcpOption, LeaseTime, MaxMessageSize, Message, ParameterRequestList,
    RapidCommit, RebindingTime, RenewalTime, ServerIdentifier, SubnetMask, RELAY_AGENT_INFORMATION,
};
use crate::Encoding;
use crate::Packet;

/// The smallest IP datagram every host accepts, and the default limit.
pub(crate) const MIN_DATAGRAM: usize = 576;
/// IPv4 (20, no options) and UDP (8) header bytes.
pub(crate) const IP_UDP_HEADERS: usize = 28;
/// The options kept first, most important first; the first [`NEVER_DROPPED`] are
/// never dropped.
const ESSENTIAL: [u8; 8] = [
    DhcpMessageType::CODE,
    ServerIdentifier::CODE,
    LeaseTime::CODE,
    SubnetMask::CODE,
    RenewalTime::CODE,
    RebindingTime::CODE,
    Message::CODE,
    RapidCommit::CODE,
];

/// How many of [`ESSENTIAL`], from the first, are never dropped.
const NEVER_DROPPED: usize = 4;

/// The largest DHCP message (IP and UDP headers excluded) a reply to `request` may be.
pub(crate) fn max_reply_len(request: &Packet) -> usize {
    let datagram = request
        .options
        .get(MaxMessageSize)
        .map_or(MIN_DATAGRAM, |size| usize::from(size).max(MIN_DATAGRAM));
    datagram - IP_UDP_HEADERS
}

/// Drops options from `reply` until it fits the limit for `request`; returns the
/// codes dropped, least important first (empty, and no allocation, when it fits).
pub(crate) fn fit(reply: &mut Packet, request: &Packet) -> Vec<u8> {
    let limit = max_reply_len(request);
    if reply.encoded_len(Encoding::Unpadded) <= limit {
        return Vec::new();
    }
    let requested = request
        .options
        .get(ParameterRequestList)
        .unwrap_or_default();
    let mut by_priority = reply.options.codes();
    by_priority.sort_by_key(|code| rank(*code, &requested));
    let mut dropped = Vec::new();
    // The options never dropped always fit (236 + 4 + 3 + 6 + 6 + 6 + 1 bytes).
    while reply.encoded_len(Encoding::Unpadded) > limit {
        match by_priority.pop() {
            Some(code) if !ESSENTIAL[..NEVER_DROPPED].contains(&code) => {
                reply.options.remove(code);
                dropped.push(code);
            }
            _ => break,
        }
    }
    dropped
}

/// Lower is kept longer. The sort is stable, so unranked options keep wire order.
fn rank(code: u8, requested: &[u8]) -> usize {
    if let Some(at) = ESSENTIAL.iter().position(|c| *c == code) {
        return at;
    }
    if code == RELAY_AGENT_INFORMATION {
        return ESSENTIAL.len();
    }
    match requested.iter().position(|c| *c == code) {
        Some(at) => ESSENTIAL.len() + 1 + at,
        None => ESSENTIAL.len() + 1 + 256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{respond, MessageType};

    fn big_reply(request: &Packet) -> Packet {
        let mut reply = respond(request, MessageType::Offer)
            .with_option(LeaseTime, 3600)
            .with_option(ServerIdentifier, std::net::Ipv4Addr::new(10, 0, 0, 1));
        for code in 200..=203 {
            reply.options.set_raw(code, &[code; 100]);
        }
        reply
    }

    #[test]
    fn a_reply_that_fits_is_untouched() {
        let request = Packet::new(MessageType::Discover);
        let mut reply = respond(&request, MessageType::Offer);
        let before = reply.clone();
        assert!(fit(&mut reply, &request).is_empty());
        assert_eq!(reply, before);
    }

    #[test]
    fn without_option_57_the_limit_is_548_bytes() {
        let request = Packet::new(MessageType::Discover);
        assert_eq!(max_reply_len(&request), 548);
        let mut reply = big_reply(&request);
        let dropped = fit(&mut reply, &request);
        assert!(reply.encoded_len(Encoding::Unpadded) <= 548);
        // 4 * 102 bytes of unrequested options: the last ones go first.
        assert_eq!(dropped, vec![203, 202]);
        assert!(reply.options.contains(LeaseTime::CODE));
    }

    #[test]
    fn option_57_below_576_is_raised_to_576() {
        let request = Packet::new(MessageType::Discover).with_option(MaxMessageSize, 300);
        assert_eq!(max_reply_len(&request), 548);
        let request = Packet::new(MessageType::Discover).with_option(MaxMessageSize, 1500);
        assert_eq!(max_reply_len(&request), 1472);
    }

    #[test]
    fn requested_options_outlive_unrequested_and_82_is_kept() {
        let request = Packet::new(MessageType::Discover)
            .with_option(ParameterRequestList, [200, 201])
            .with_raw_option(RELAY_AGENT_INFORMATION, &[1, 2, 0, 7]);
        let mut reply = big_reply(&request);
        let dropped = fit(&mut reply, &request);
        assert_eq!(dropped, vec![203, 202]);
        assert!(reply.options.contains(200) && reply.options.contains(201));
        assert!(reply.options.contains(RELAY_AGENT_INFORMATION));
        assert!(reply.encoded_len(Encoding::Unpadded) <= 548);
    }

    #[test]
    fn the_mask_and_the_lease_outlive_a_relay_agents_option_82() {
        // A reply that fits only without option 82 (a relay agent's option, long
        // enough to need RFC 3396 splitting) keeps 1, 51, 53 and 54: a client without
        // its mask cannot use the address.
        let request = Packet::new(MessageType::Discover)
            .with_raw_option(RELAY_AGENT_INFORMATION, &[1, 250, 0])
            .with_option(ParameterRequestList, [1, 3]);
        let mut reply = respond(&request, MessageType::Offer)
            .with_option(ServerIdentifier, std::net::Ipv4Addr::new(10, 0, 0, 1))
            .with_option(LeaseTime, 3600)
            .with_option(SubnetMask, std::net::Ipv4Addr::new(255, 255, 255, 0))
            .with_raw_option(RELAY_AGENT_INFORMATION, &[7; 600])
            .with_raw_option(3, &[10, 0, 0, 1]);
        reply.options.set_raw(200, &[0; 60]);
        let dropped = fit(&mut reply, &request);
        assert_eq!(dropped, vec![200, 3, RELAY_AGENT_INFORMATION]);
        for code in [53, 54, 51, 1] {
            assert!(reply.options.contains(code), "option {code} dropped");
        }
        assert!(reply.encoded_len(Encoding::Unpadded) <= 548);
    }

    #[test]
    fn rapid_commit_outlives_unrequested_options() {
        // RFC 4039, section 3.1: a client ignores a rapid-commit ACK without option 80.
        // Added last, it would be the first option dropped without its own rule.
        let request = Packet::new(MessageType::Discover).with_raw_option(RapidCommit::CODE, &[]);
        let mut reply = respond(&request, MessageType::Ack).with_option(LeaseTime, 3600);
        for code in 200..=203 {
            reply.options.set_raw(code, &[code; 100]);
        }
        reply.options.set_raw(RapidCommit::CODE, &[]);
        let dropped = fit(&mut reply, &request);
        assert!(!dropped.contains(&RapidCommit::CODE), "{dropped:?}");
        assert!(reply.options.contains(RapidCommit::CODE));
        assert!(reply.encoded_len(Encoding::Unpadded) <= 548);
    }
}
