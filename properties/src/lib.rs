//! Property tests of ex_dhcp: decoding and capture reading never panic, and every
//! packet that decodes encodes back to itself. The tests are in `tests/it`; this
//! crate exists so that proptest stays out of the library's dev-dependencies.
