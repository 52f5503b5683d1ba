//! Reading and writing pcap and pcapng: real captures, hand-built ones, and bytes that must not panic.

mod read_write;
