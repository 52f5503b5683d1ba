//! A DHCP server with a lease pool and a lease file.
mod args;
mod config;
mod dhcp;
mod lease_file;
mod leases;
mod pool;

fn main() {}
