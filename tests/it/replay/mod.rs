//! Replaying captures against handlers: the diff, interleaved clients, generated tests.

mod clients;
mod dora;
mod generate;
mod generated_dora;
mod ports;
