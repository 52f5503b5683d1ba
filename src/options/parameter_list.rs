//! The parameter request list (option 55).

use std::fmt;
use std::ops::Deref;

use super::value::{OptionValue, ValueError};

/// The value of option 55: option codes the client wants, in order of preference.
///
/// Dereferences to the codes, so `list.contains(&1)` and iteration work directly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ParameterList(pub Vec<u8>);

impl Deref for ParameterList {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for ParameterList {
    fn from(codes: Vec<u8>) -> Self {
        ParameterList(codes)
    }
}

impl OptionValue for ParameterList {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        Ok(ParameterList(bytes.to_vec()))
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
}

impl fmt::Display for ParameterList {
    /// Each code with its name: `1 (subnet mask), 3 (router), 224`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, code) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match super::name(*code) {
                Some(name) => write!(f, "{code} ({name})")?,
                None => write!(f, "{code}")?,
            }
        }
        Ok(())
    }
}
