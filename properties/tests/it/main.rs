//! Property tests (proptest): generated packets and captures, checked against the
//! codec's and the capture reader's contracts.

mod capture;
mod codec;
mod decode;
