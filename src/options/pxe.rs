//! PXE: the client options 93 client system architecture (RFC 4578, IANA registry),
//! 94 client network device interface and 97 client machine identifier, and the codes
//! of the PXE sub-options of option 43 (PXE specification 2.1, table 2-1).
//!
//! The sub-option codes live here, not beside the option codes in
//! [`options`](crate::options), because they number a different space: `pxe::BOOT_MENU`
//! is sub-option 9 of option 43, not option 9.

use std::fmt;

use super::value::{OptionValue, ValueError};

/// Sub-option 1: multicast TFTP address.
pub const MTFTP_IP: u8 = 1;
/// Sub-option 2: multicast TFTP client port.
pub const MTFTP_CPORT: u8 = 2;
/// Sub-option 3: multicast TFTP server port.
pub const MTFTP_SPORT: u8 = 3;
/// Sub-option 4: multicast TFTP listen timeout.
pub const MTFTP_TMOUT: u8 = 4;
/// Sub-option 5: multicast TFTP reopen delay.
pub const MTFTP_DELAY: u8 = 5;
/// Sub-option 6: discovery control bits.
pub const DISCOVERY_CONTROL: u8 = 6;
/// Sub-option 7: discovery multicast address.
pub const DISCOVERY_MCAST_ADDR: u8 = 7;
/// Sub-option 8: boot servers.
pub const BOOT_SERVERS: u8 = 8;
/// Sub-option 9: boot menu.
pub const BOOT_MENU: u8 = 9;
/// Sub-option 10: menu prompt (timeout and text).
pub const MENU_PROMPT: u8 = 10;
/// Sub-option 11: multicast address allocation.
pub const MCAST_ADDRS_ALLOC: u8 = 11;
/// Sub-option 12: credential types.
pub const CREDENTIAL_TYPES: u8 = 12;
/// Sub-option 71: boot item (server type and layer).
pub const BOOT_ITEM: u8 = 71;

/// Architecture 0: x86 BIOS.
pub const ARCH_X86_BIOS: u16 = 0;
/// Architecture 6: x86 (32-bit) UEFI.
pub const ARCH_X86_UEFI: u16 = 6;
/// Architecture 7: x64 UEFI.
pub const ARCH_X64_UEFI: u16 = 7;
/// Architecture 9: EFI byte code; x64 UEFI firmware that follows the original RFC 4578 table sends it too.
pub const ARCH_EBC: u16 = 9;
/// Architecture 10: ARM 32-bit UEFI.
pub const ARCH_ARM32_UEFI: u16 = 10;
/// Architecture 11: ARM 64-bit UEFI.
pub const ARCH_ARM64_UEFI: u16 = 11;
/// Architecture 16: x64 UEFI booting over HTTP.
pub const ARCH_X64_UEFI_HTTP: u16 = 16;

/// The name of a client system architecture (option 93) from IANA's registry.
pub fn architecture_name(arch: u16) -> Option<&'static str> {
    Some(match arch {
        ARCH_X86_BIOS => "x86 BIOS",
        1 => "NEC/PC98",
        2 => "Itanium",
        3 => "DEC Alpha",
        4 => "Arc x86",
        5 => "Intel Lean Client",
        ARCH_X86_UEFI => "x86 UEFI",
        ARCH_X64_UEFI => "x64 UEFI",
        8 => "Xscale UEFI",
        ARCH_EBC => "EBC (x64 UEFI)",
        ARCH_ARM32_UEFI => "ARM32 UEFI",
        ARCH_ARM64_UEFI => "ARM64 UEFI",
        12 => "PowerPC Open Firmware",
        13 => "PowerPC ePAPR",
        14 => "POWER OPAL v3",
        15 => "x86 UEFI HTTP",
        ARCH_X64_UEFI_HTTP => "x64 UEFI HTTP",
        17 => "EBC UEFI HTTP",
        18 => "ARM32 UEFI HTTP",
        19 => "ARM64 UEFI HTTP",
        20 => "x86 BIOS HTTP",
        21 => "ARM32 uboot",
        22 => "ARM64 uboot",
        23 => "ARM32 uboot HTTP",
        24 => "ARM64 uboot HTTP",
        25 => "RISC-V 32 UEFI",
        26 => "RISC-V 32 UEFI HTTP",
        27 => "RISC-V 64 UEFI",
        28 => "RISC-V 64 UEFI HTTP",
        29 => "RISC-V 128 UEFI",
        30 => "RISC-V 128 UEFI HTTP",
        31 => "s390 basic",
        32 => "s390 extended",
        _ => return None,
    })
}

/// The value of option 94, client network device interface: the UNDI version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientNdi {
    /// Interface type; 1 is UNDI.
    pub interface_type: u8,
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
}

impl OptionValue for ClientNdi {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match *bytes {
            [interface_type, major, minor] => Ok(ClientNdi {
                interface_type,
                major,
                minor,
            }),
            _ => Err(ValueError::Length {
                expected: "3",
                actual: bytes.len(),
            }),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.interface_type, self.major, self.minor]);
    }
}

impl fmt::Display for ClientNdi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "type {} version {}.{}",
            self.interface_type, self.major, self.minor
        )
    }
}

/// Length of the identifier in option 97.
pub const MACHINE_ID_LEN: usize = 16;

/// The value of option 97, client machine identifier: a type (0, a UUID/GUID) and 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MachineId {
    /// The identifier type; 0 means GUID.
    pub id_type: u8,
    /// The identifier, as the client sent it.
    pub id: [u8; MACHINE_ID_LEN],
}

impl OptionValue for MachineId {
    fn decode_value(bytes: &[u8]) -> Result<Self, ValueError> {
        match bytes.split_first() {
            Some((&id_type, rest)) if rest.len() == MACHINE_ID_LEN => {
                let mut id = [0; MACHINE_ID_LEN];
                id.copy_from_slice(rest);
                Ok(MachineId { id_type, id })
            }
            _ => Err(ValueError::Length {
                expected: "17",
                actual: bytes.len(),
            }),
        }
    }
    fn encode_value(&self, out: &mut Vec<u8>) {
        out.push(self.id_type);
        out.extend_from_slice(&self.id);
    }
}

impl fmt::Display for MachineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "type {} ", self.id_type)?;
        crate::packet::write_hex(f, &self.id, ':')
    }
}
