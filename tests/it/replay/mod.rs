//! Replaying captures against handlers: the diff, interleaved clients, handlers that
//! answer later, generated tests.

mod clients;
mod dora;
mod generated_dora;
mod generated_durable;
mod later;
mod lease_service;
mod ports;
