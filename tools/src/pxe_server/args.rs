//! The PXE example's own flags, on top of the lease server's.

use std::net::Ipv4Addr;

use ex_dhcp::pxe::{Boot, BootMap};

use crate::cli::args::{self as cli, UsageError};
use crate::lease_server::args::{self, switch, typed, Args, Flags};

/// The usage text of the PXE flags, as a literal for `concat!`.
#[macro_export]
macro_rules! pxe_usage {
    () => {
        "  --mode full|proxy      lease addresses too, or proxyDHCP beside another server (full)
  --next-server ADDR     the TFTP server, siaddr (the --server address)
  --boot ARCH=FILE       boot file for option 93 architecture ARCH (repeatable; defaults:
                         0=undionly.kpxe 7=ipxe.efi 9=ipxe.efi 11=ipxe-arm64.efi)
  --ipxe-boot FILE       boot file for clients that are iPXE already (option 77 iPXE),
                         e.g. a script; without it, an iPXE loaded by PXE gets the
                         architecture's file again and, with the defaults, loads itself
  --serve-4011 on|off    full mode: also answer boot requests on port 4011 (off)
"
    };
}

/// The usage text of the PXE flags.
pub const PXE_USAGE: &str = pxe_usage!();

/// The PXE example's command line.
#[derive(Debug)]
pub struct PxeArgs {
    /// The lease server's flags.
    pub common: Args,
    /// proxyDHCP mode.
    pub proxy: bool,
    /// Boot server identity and files.
    pub boot: Boot,
    /// Serve port 4011 in full mode.
    pub serve_4011: bool,
}

/// Parses the command line of `pxe`: the lease server's flags and its own.
pub fn parse(line: &mut cli::Args) -> Result<PxeArgs, UsageError> {
    let mut proxy = false;
    let mut next_server: Option<Ipv4Addr> = None;
    let mut files = BootMap::default();
    let mut serve_4011 = false;
    let mut ipxe_file = None;
    let common = args::parse_with(line, Flags::Pxe, |flag, line| {
        match flag {
            "--mode" => {
                let value = line.text(flag)?;
                proxy = match value.as_str() {
                    "full" => false,
                    "proxy" => true,
                    _ => {
                        return Err(cli::error(format!(
                            "--mode takes full or proxy, not {value:?}"
                        )))
                    }
                }
            }
            "--next-server" => next_server = Some(line.value(flag)?),
            "--boot" => {
                let value = line.text(flag)?;
                let (arch, file) = value
                    .split_once('=')
                    .ok_or_else(|| cli::error(format!("--boot takes ARCH=FILE, not {value:?}")))?;
                files.set(typed(flag, arch)?, file.to_owned());
            }
            "--ipxe-boot" => ipxe_file = Some(line.text(flag)?),
            "--serve-4011" => serve_4011 = switch(flag, &line.text(flag)?)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    if !proxy && common.ranges.is_empty() {
        return Err(cli::error("--range is required in full mode"));
    }
    if proxy && common.lease_file.is_some() {
        return Err(cli::error(
            "--lease-file: a proxyDHCP server leases nothing (--mode full leases addresses)",
        ));
    }
    let server_id = common.settings.server_id;
    Ok(PxeArgs {
        proxy,
        boot: Boot {
            server_id,
            next_server: next_server.unwrap_or(server_id),
            files,
            ipxe_file,
        },
        serve_4011,
        common,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pxe(line: &str) -> Result<PxeArgs, UsageError> {
        parse(&mut cli::Args::split(line))
    }

    #[test]
    fn full_mode_keeps_a_lease_file_and_takes_no_shared_store_flag() {
        let args =
            pxe("--server 198.18.0.1 --range 198.18.0.10-198.18.0.20 --lease-file /tmp/l").unwrap();
        assert_eq!(
            args.common.lease_file.as_deref(),
            Some(std::path::Path::new("/tmp/l"))
        );
        for flag in [
            "--database host=/tmp",
            "--share 1/2",
            "--lookup-rate 5",
            "--answer-subnet on",
        ] {
            let line = format!("--server 198.18.0.1 --range 198.18.0.10-198.18.0.20 {flag}");
            let message = pxe(&line).unwrap_err().to_string();
            assert!(message.contains("unknown flag"), "{flag}: {message}");
        }
        let proxy = pxe("--server 198.18.0.1 --mode proxy --lease-file /tmp/l");
        assert!(proxy.unwrap_err().to_string().contains("leases nothing"));
    }

    #[test]
    fn proxy_mode_with_a_custom_boot_map() {
        let args =
            pxe("--server 198.18.0.2 --mode proxy --boot 7=boot/x64.efi --next-server 198.18.0.9")
                .unwrap();
        assert!(args.proxy);
        assert_eq!(args.boot.files.get(7), Some("boot/x64.efi"));
        assert_eq!(args.boot.files.get(0), Some("undionly.kpxe"));
        assert_eq!(args.boot.next_server, Ipv4Addr::new(198, 18, 0, 9));
        assert_eq!(args.boot.ipxe_file, None);
    }

    #[test]
    fn ipxe_can_have_a_file_of_its_own() {
        let args =
            pxe("--server 198.18.0.2 --range 198.18.0.100-198.18.0.150 --ipxe-boot boot.ipxe")
                .unwrap();
        assert_eq!(args.boot.ipxe_file.as_deref(), Some("boot.ipxe"));
    }

    #[test]
    fn the_next_server_defaults_to_this_server() {
        let args = pxe("--server 198.18.0.2 --range 198.18.0.100-198.18.0.150").unwrap();
        assert!(!args.proxy && !args.serve_4011);
        assert_eq!(args.boot.next_server, Ipv4Addr::new(198, 18, 0, 2));
    }

    #[test]
    fn bad_pxe_flags_are_named() {
        for (line, fault) in [
            (
                "--server 198.18.0.2 --mode half",
                "--mode takes full or proxy",
            ),
            (
                "--server 198.18.0.2 --boot x64.efi",
                "--boot takes ARCH=FILE",
            ),
            (
                "--server 198.18.0.2 --boot x=a.efi",
                "--boot \"x\": invalid digit",
            ),
            ("--server 198.18.0.2 --serve-4011 yes", "takes on or off"),
            ("--server 198.18.0.2", "--range is required in full mode"),
        ] {
            let error = pxe(line).unwrap_err().to_string();
            assert!(error.contains(fault), "{line}: {error}");
        }
    }
}
