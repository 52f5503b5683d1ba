//! The advisory locks that order every server's transactions: part of the schema's
//! contract, since every server on a database must take the same ones.
//!
//! A batch takes, before it writes a row, transaction-level advisory locks
//! (`pg_advisory_xact_lock(class, key)`) in one total order: first its clients'
//! ([`CLIENT_CLASS`], ascending keys), then its addresses' ([`ADDRESS_CLASS`],
//! ascending): the addresses it writes and the addresses its clients hold in the
//! table. Every row a batch writes is at an address it has locked, and a client's
//! set of bound rows only grows under that client's lock, so two batches never wait
//! for each other in a cycle: no deadlock between servers, by construction.

use std::net::Ipv4Addr;

/// The first key of every lock this store takes is one of these, so they do not
/// collide with another application's locks in the database ("DH", "DC", "DA").
/// The class of the lock held while the schema is created or changed.
pub(super) const SCHEMA_CLASS: i32 = 0x4448;
/// The second key of the schema lock.
pub(super) const SCHEMA_KEY: i32 = -1;
/// The class of a client's lock: key [`client_key`].
pub(super) const CLIENT_CLASS: i32 = 0x4443;
/// The class of an address's lock: key [`address_key`].
pub(super) const ADDRESS_CLASS: i32 = 0x4441;

/// An address's lock key: its 32 bits less 2^31, so that the keys sort as the
/// addresses do. In SQL: `((addr - '0.0.0.0'::inet) - 2147483648)::int`.
pub(super) fn address_key(addr: Ipv4Addr) -> i32 {
    (u32::from(addr) ^ 0x8000_0000) as i32
}

/// [`address_key`] in SQL, of the `inet` column or expression `addr`.
pub(super) fn address_key_sql(addr: &str) -> String {
    format!("((({addr}) - '0.0.0.0'::inet) - 2147483648)::int")
}

/// A client's lock key in the subnet labelled `label`: FNV-1a (32 bits) of the
/// label, a zero byte and the client's text (`hw:1:020000000001`), as PostgreSQL's
/// `int`. Two clients whose keys collide only wait for each other.
pub(super) fn client_key(label: &str, client: &str) -> i32 {
    let bytes = label.bytes().chain([0]).chain(client.bytes());
    fnv1a(bytes) as i32
}

/// FNV-1a, 32 bits.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u32 {
    const OFFSET: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;
    bytes.into_iter().fold(OFFSET, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(PRIME)
    })
}

/// Sorted and without repeats: the order locks are taken in.
pub(super) fn ordered(mut keys: Vec<i32>) -> Vec<i32> {
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_keys_sort_as_the_addresses_do() {
        let addrs = [
            Ipv4Addr::new(0, 0, 0, 0),
            Ipv4Addr::new(10, 0, 0, 1),
            Ipv4Addr::new(127, 255, 255, 255),
            Ipv4Addr::new(128, 0, 0, 0),
            Ipv4Addr::new(198, 18, 0, 1),
            Ipv4Addr::new(255, 255, 255, 255),
        ];
        let keys: Vec<i32> = addrs.iter().map(|a| address_key(*a)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert_eq!(keys[0], i32::MIN);
        assert_eq!(keys[3], 0);
        assert_eq!(keys[5], i32::MAX);
    }

    #[test]
    fn client_keys_are_fnv_1a_of_label_and_client() {
        // FNV-1a's published test vectors.
        assert_eq!(fnv1a(*b""), 0x811c_9dc5);
        assert_eq!(fnv1a(*b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(*b"foobar"), 0xbf9c_f968);
        assert_eq!(
            client_key("198.18.0.0/24", "hw:1:020000000001"),
            fnv1a(*b"198.18.0.0/24\0hw:1:020000000001") as i32
        );
        assert_ne!(
            client_key("198.18.0.0/24", "hw:1:020000000001"),
            client_key("198.18.1.0/24", "hw:1:020000000001"),
            "one client, two subnets: two locks"
        );
    }

    #[test]
    fn locks_are_taken_sorted_once_each() {
        assert_eq!(ordered(vec![5, -3, 5, 0, -3]), vec![-3, 0, 5]);
    }
}
