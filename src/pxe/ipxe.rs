//! iPXE's encapsulated options (option 175): the features it announces, and the
//! settings a server can send back.
//!
//! iPXE lists what it was built with as sub-options of 175, one byte each (1 for
//! "supported"); a server answers with sub-options of its own in its replies' 175.
//! The codes are iPXE's (`include/ipxe/dhcp.h`), not an RFC's.

use std::fmt;

/// Sub-option 175.176, `no-pxedhcp`: 1 tells iPXE that no ProxyDHCP offer is coming,
/// so it stops waiting for one (about 3 s after every offer that looks like PXE).
pub const NO_PXEDHCP: u8 = 176;
/// Sub-option 175.235: iPXE's version, three bytes (major, minor, patch).
pub const VERSION: u8 = 235;

/// The feature sub-options iPXE announces, with their names.
const FEATURES: &[(u8, &str)] = &[
    (16, "PXE extensions"),
    (17, "iSCSI"),
    (18, "AoE"),
    (19, "HTTP"),
    (20, "HTTPS"),
    (21, "TFTP"),
    (22, "FTP"),
    (23, "DNS"),
    (24, "bzImage"),
    (25, "Multiboot"),
    (26, "SLAM"),
    (27, "SRP"),
    (32, "NBI"),
    (33, "PXE"),
    (34, "ELF"),
    (35, "COMBOOT"),
    (36, "EFI"),
    (37, "FCoE"),
    (38, "VLAN"),
    (39, "menu"),
    (40, "SDI"),
    (41, "NFS"),
];

/// What an iPXE client announced in option 175 (empty when it sent none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpxeFeatures {
    /// Every sub-option as sent, in order: code and value.
    pub sub_options: Vec<(u8, Vec<u8>)>,
}

impl IpxeFeatures {
    /// Reads the sub-options of option 175. A malformed tail (a length past the end)
    /// is ignored: these are hints, never a reason to refuse a client.
    pub fn parse(mut bytes: &[u8]) -> IpxeFeatures {
        let mut sub_options = Vec::new();
        while let [code, len, rest @ ..] = bytes {
            let len = usize::from(*len);
            if *code == 0 || *code == 255 || rest.len() < len {
                break;
            }
            sub_options.push((*code, rest[..len].to_vec()));
            bytes = &rest[len..];
        }
        IpxeFeatures { sub_options }
    }

    /// True when the client announced feature `code` (such as 19, HTTP) as supported.
    pub fn supports(&self, code: u8) -> bool {
        self.sub_options
            .iter()
            .any(|(c, value)| *c == code && value.first().is_some_and(|&v| v != 0))
    }

    /// True when iPXE can fetch over HTTP (175.19): a server may then hand it an
    /// `http://` boot file instead of a TFTP one.
    pub fn http(&self) -> bool {
        self.supports(19)
    }

    /// The version iPXE announced (175.235), as (major, minor, patch).
    pub fn version(&self) -> Option<(u8, u8, u8)> {
        self.sub_options
            .iter()
            .find_map(|(code, value)| match value[..] {
                [major, minor, patch] if *code == VERSION => Some((major, minor, patch)),
                _ => None,
            })
    }

    /// The names of the supported features, in the order sent.
    pub fn feature_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.sub_options.iter().filter_map(|(code, value)| {
            let name = FEATURES.iter().find(|(c, _)| c == code)?.1;
            value.first().is_some_and(|&v| v != 0).then_some(name)
        })
    }
}

impl fmt::Display for IpxeFeatures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("iPXE")?;
        if let Some((major, minor, patch)) = self.version() {
            write!(f, " {major}.{minor}.{patch}")?;
        }
        for (index, name) in self.feature_names().enumerate() {
            f.write_str(if index == 0 { ": " } else { ", " })?;
            f.write_str(name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_version_and_a_cut_tail() {
        let bytes = [19, 1, 1, 21, 1, 1, 20, 1, 0, 235, 3, 1, 21, 2, 36, 9];
        let features = IpxeFeatures::parse(&bytes);
        assert!(features.http());
        assert!(features.supports(21));
        assert!(!features.supports(20), "HTTPS announced as 0");
        assert_eq!(features.version(), Some((1, 21, 2)));
        assert_eq!(features.to_string(), "iPXE 1.21.2: HTTP, TFTP");
        assert_eq!(features.sub_options.len(), 4, "the cut tail is dropped");
    }
}
