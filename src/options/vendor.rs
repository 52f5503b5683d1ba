//! Option 43, vendor-specific information, with the PXE sub-options named.

use std::fmt;

use super::list::END;
use super::pxe;
use super::suboptions::{format_sub_options, SubOptions};
use super::value::{OptionValue, ValueError};

/// The name of a PXE sub-option of option 43 (PXE specification 2.1, table 2-1).
pub fn pxe_sub_option_name(code: u8) -> Option<&'static str> {
    Some(match code {
        pxe::MTFTP_IP => "mtftp ip",
        pxe::MTFTP_CPORT => "mtftp client port",
        pxe::MTFTP_SPORT => "mtftp server port",
        pxe::MTFTP_TMOUT => "mtftp timeout",
        pxe::MTFTP_DELAY => "mtftp delay",
        pxe::DISCOVERY_CONTROL => "discovery control",
        pxe::DISCOVERY_MCAST_ADDR => "discovery multicast address",
        pxe::BOOT_SERVERS => "boot servers",
        pxe::BOOT_MENU => "boot menu",
        pxe::MENU_PROMPT => "menu prompt",
        pxe::MCAST_ADDRS_ALLOC => "multicast address allocation",
        pxe::CREDENTIAL_TYPES => "credential types",
        pxe::BOOT_ITEM => "boot item",
        _ => return None,
    })
}

/// The value of option 43: encapsulated sub-options when the bytes are code/length/value
/// triples (optionally ended by 255, as PXE writes them), else the raw bytes.
///
/// Either way the value encodes back to the bytes it was read from.
///
/// ```
/// use ex_dhcp::options::{pxe, OptionValue, SubOptions, VendorInfo};
///
/// let pxe = VendorInfo::pxe(SubOptions::new().with(pxe::DISCOVERY_CONTROL, [8]));
/// let mut bytes = Vec::new();
/// pxe.encode_value(&mut bytes);
/// assert_eq!(bytes, [6, 1, 8, 255]);
/// assert_eq!(VendorInfo::decode_value(&bytes)?, pxe);
/// assert_eq!(VendorInfo::decode_value(b"vendor text")?, VendorInfo::Raw(b"vendor text".to_vec()));
/// # Ok::<(), ex_dhcp::options::ValueError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VendorInfo {
    /// Sub-options (RFC 2132, section 8.4).
    Encapsulated {
        /// The sub-options, in wire order.
        sub_options: SubOptions,
        /// True when an END byte (255) follows them, as PXE requires.
        terminated: bool,
    },
    /// Bytes that are not a sub-option list, kept as they are.
    Raw(Vec<u8>),
}

impl VendorInfo {
    /// PXE vendor options: the sub-options followed by END.
    pub fn pxe(sub_options: SubOptions) -> Self {
        VendorInfo::Encapsulated {
            sub_options,
            terminated: true,
        }
    }

    /// The sub-options, when the value is encapsulated.
    pub fn sub_options(&self) -> Option<&SubOptions> {
        match self {
            VendorInfo::Encapsulated { sub_options, .. } => Some(sub_options),
            VendorInfo::Raw(_) => None,
        }
    }
}

impl OptionValue for VendorInfo {
    /// Never fails: what is not a clean sub-option list is [`VendorInfo::Raw`].
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        let encapsulated = match SubOptions::read(bytes, Some(END)) {
            Ok((sub_options, stop)) if stop == bytes.len() => Some(VendorInfo::Encapsulated {
                sub_options,
                terminated: false,
            }),
            Ok((sub_options, stop)) if stop + 1 == bytes.len() => Some(VendorInfo::Encapsulated {
                sub_options,
                terminated: true,
            }),
            _ => None,
        };
        Ok(encapsulated.unwrap_or_else(|| VendorInfo::Raw(bytes.to_vec())))
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        match self {
            VendorInfo::Encapsulated {
                sub_options,
                terminated,
            } => {
                sub_options.write(out);
                if *terminated {
                    out.push(END);
                }
            }
            VendorInfo::Raw(bytes) => out.extend_from_slice(bytes),
        }
    }
}

impl VendorInfo {
    /// Writes the value, naming sub-options with PXE's names when `pxe` (the vendor
    /// class, option 60, says PXEClient or PXEServer; other vendors use the same
    /// codes for other things).
    pub(crate) fn format(&self, f: &mut fmt::Formatter<'_>, pxe: bool) -> fmt::Result {
        let names: fn(u8) -> Option<&'static str> =
            if pxe { pxe_sub_option_name } else { |_| None };
        match self {
            VendorInfo::Encapsulated { sub_options, .. } => {
                format_sub_options(f, sub_options, names)
            }
            VendorInfo::Raw(bytes) => super::suboptions::format_bytes(f, bytes),
        }
    }
}

impl fmt::Display for VendorInfo {
    /// Sub-options by code, without names (which depend on the vendor).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.format(f, false)
    }
}
