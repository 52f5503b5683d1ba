//! Dropping root once the sockets are bound (`--user NAME`, as dnsmasq does): a
//! server needs root, or `cap_net_bind_service`, only to bind port 67 and, on
//! old kernels, an interface; it serves as an ordinary user after that.
//!
//! The switch is process-wide: the C library applies `setuid` to every thread,
//! including the server's, which are already running by then.

use std::fmt;

/// Why the process could not become the user.
#[derive(Debug)]
pub enum PrivilegeError {
    /// No user of that name.
    UnknownUser(String),
    /// Looking the user up, or a `setgroups`, `setgid` or `setuid` call, failed.
    Switch {
        /// The user.
        user: String,
        /// The step that failed.
        step: &'static str,
        /// The system's error.
        error: String,
    },
    /// After the switch, root could be regained: the drop did not hold.
    StillPrivileged(String),
    /// The platform has no users to switch to.
    Unsupported,
}

impl fmt::Display for PrivilegeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrivilegeError::UnknownUser(user) => write!(f, "--user {user:?}: no such user"),
            PrivilegeError::Switch { user, step, error } => {
                write!(f, "--user {user:?}: {step} failed: {error}")?;
                if error.contains("EPERM") {
                    write!(
                        f,
                        " (only root can switch users: start as root, or leave --user \
                         out and give the binary cap_net_bind_service instead)"
                    )?;
                }
                Ok(())
            }
            PrivilegeError::StillPrivileged(user) => write!(
                f,
                "--user {user:?}: root could be regained after the switch; refusing to serve"
            ),
            PrivilegeError::Unsupported => f.write_str("--user is only supported on Unix"),
        }
    }
}

impl std::error::Error for PrivilegeError {}

/// Becomes `user` (its uid, its primary group, no supplementary groups).
#[cfg(unix)]
pub fn drop_to(user: &str) -> Result<(), PrivilegeError> {
    use nix::unistd::{setgid, setuid, Uid, User};

    let failed = |step: &'static str| {
        move |error: nix::Error| PrivilegeError::Switch {
            user: user.to_owned(),
            step,
            error: format!("{error}"),
        }
    };
    let account = User::from_name(user)
        .map_err(failed("looking the user up"))?
        .ok_or_else(|| PrivilegeError::UnknownUser(user.to_owned()))?;
    // Groups first: once the uid is not root, they can no longer be changed.
    set_groups(account.gid).map_err(failed("setgroups"))?;
    setgid(account.gid).map_err(failed("setgid"))?;
    setuid(account.uid).map_err(failed("setuid"))?;
    if !account.uid.is_root() && setuid(Uid::from_raw(0)).is_ok() {
        return Err(PrivilegeError::StillPrivileged(user.to_owned()));
    }
    log::info!(
        "running as {user} (uid {}, gid {})",
        account.uid,
        account.gid
    );
    Ok(())
}

/// The uid and primary gid of `user`, to give it files before root is dropped.
#[cfg(unix)]
pub fn account(user: &str) -> Result<(u32, u32), PrivilegeError> {
    let account = nix::unistd::User::from_name(user)
        .map_err(|error| PrivilegeError::Switch {
            user: user.to_owned(),
            step: "looking the user up",
            error: format!("{error}"),
        })?
        .ok_or_else(|| PrivilegeError::UnknownUser(user.to_owned()))?;
    Ok((account.uid.as_raw(), account.gid.as_raw()))
}

#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios"))))]
fn set_groups(gid: nix::unistd::Gid) -> nix::Result<()> {
    nix::unistd::setgroups(&[gid])
}

#[cfg(any(target_os = "macos", target_os = "ios"))]
fn set_groups(_gid: nix::unistd::Gid) -> nix::Result<()> {
    Ok(())
}

/// Users are a Unix matter.
#[cfg(not(unix))]
pub fn drop_to(_user: &str) -> Result<(), PrivilegeError> {
    Err(PrivilegeError::Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_user_is_named() {
        let error = drop_to("no-such-user-ex-dhcp").unwrap_err();
        assert_eq!(
            error.to_string(),
            "--user \"no-such-user-ex-dhcp\": no such user"
        );
    }
}
