//! Lease stores that fail on purpose, for the tests of what a failed commit does.

use ex_dhcp::lease::{Change, Committed, LeaseStore, StoreError};

/// A store on a full disk: it loads nothing and refuses every commit.
#[derive(Debug, Default)]
pub struct FullDisk;

impl LeaseStore for FullDisk {
    fn load(&mut self, _: &mut dyn FnMut(Change)) -> Result<(), StoreError> {
        Ok(())
    }

    fn commit(&mut self, _: &[Change]) -> Result<Vec<Committed>, StoreError> {
        Err(StoreError::Io(std::io::Error::other(
            "no space left on device",
        )))
    }
}
