//! A throw-away PostgreSQL cluster: `initdb` in a temporary directory, a server on a
//! Unix socket in that directory and no TCP at all, stopped and removed on drop
//! (also when a test fails). For the PostgreSQL lease store's tests and benchmark.
//!
//! `initdb` refuses to run as root: as root, the cluster is created and run as the
//! `postgres` user (Debian's package creates it), else as `nobody`, through
//! `runuser`; as any other user, as that user.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The Debian package that has `initdb` and `pg_ctl`.
pub const PACKAGE: &str = "postgresql";

/// A running cluster; stopped and its directory removed on drop.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    user: Option<String>,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster").field("dir", &self.dir).finish()
    }
}

/// Where `initdb` and `pg_ctl` are: `$PG_BIN`, else Debian's newest
/// `/usr/lib/postgresql/<version>/bin`, else `PATH`.
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return Some(dir.into());
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

impl Cluster {
    /// Creates and starts a cluster; panics, naming what is missing, if it cannot.
    pub fn start() -> Cluster {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let bin = bin_dir().unwrap_or_else(|| {
            panic!("initdb and pg_ctl not found: install Debian's {PACKAGE} (or set PG_BIN)")
        });
        let user = is_root().then(|| {
            let postgres = Command::new("id").arg("postgres").output();
            if postgres.is_ok_and(|o| o.status.success()) {
                "postgres".to_owned()
            } else {
                "nobody".to_owned()
            }
        });
        let dir = std::env::temp_dir().join(format!(
            "ex_dhcp-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the cluster's directory");
        // From here on, Drop stops what started and removes the directory.
        let cluster = Cluster { dir, bin, user };
        if let Some(user) = &cluster.user {
            cluster.check(
                Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(&cluster.dir),
                "chown",
            );
        }
        let data = cluster.data();
        cluster.check(
            cluster
                .pg("initdb")
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"])
                .arg("-D")
                .arg(&data),
            "initdb",
        );
        let options = format!(
            "-c listen_addresses='' -k {} -c max_connections=50",
            cluster.dir.display()
        );
        cluster.check(
            cluster
                .pg("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(cluster.dir.join("server.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        );
        cluster
    }

    /// The libpq connection string of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("host={} user=postgres dbname=postgres", self.dir.display())
    }

    /// The cluster's directory: the socket, `data/` and `server.log`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `psql -c sql` on the cluster and returns its unaligned, tuples-only output.
    pub fn psql(&self, sql: &str) -> String {
        let output = self.run(
            self.pg("psql")
                .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(self.url())
                .arg("-c")
                .arg(sql),
            "psql",
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Starts `psql -c sql` on the cluster without waiting for it: a second
    /// session that runs beside the test's own (to hold a lock, say). Its output is
    /// piped; wait for it with [`Child::wait_with_output`].
    pub fn psql_spawn(&self, sql: &str) -> Child {
        self.pg("psql")
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url())
            .arg("-c")
            .arg(sql)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("psql: {e} (Debian package {PACKAGE})"))
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A PostgreSQL program, run as the cluster's user.
    fn pg(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let path = if path.exists() {
            path
        } else {
            PathBuf::from(program) // psql: /usr/bin on Debian
        };
        match &self.user {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(path);
                command
            }
            None => Command::new(path),
        }
    }

    fn run(&self, command: &mut Command, what: &str) -> Output {
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("{what}: {e} (Debian package {PACKAGE})"));
        if !output.status.success() {
            let log = fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            panic!(
                "{what} failed ({}):\n{}{}\nserver.log:\n{log}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        output
    }

    fn check(&self, command: &mut Command, what: &str) {
        self.run(command, what);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            let _ = self
                .pg("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .args(["-w", "-m", "immediate", "stop"])
                .output();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}
