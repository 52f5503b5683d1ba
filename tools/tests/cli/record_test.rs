//! The test files `record_test` writes: their content, and that the library's
//! committed examples (`tests/it/replay/generated_dora.rs` against a handler that
//! answers at once, `generated_durable.rs` against one that holds its ACK until the
//! lease is durable; `cargo test` compiles and runs both) are what the tool makes.

use std::path::{Path, PathBuf};

use ex_dhcp::replay::{Field, Recording};
use ex_dhcp_testkit::replay::{fixture, DORA};
use ex_dhcp_tools::record_test::TestFile;

const GENERATED: &str = include_str!("../../../tests/it/replay/generated_dora.rs");
const GENERATED_DURABLE: &str = include_str!("../../../tests/it/replay/generated_durable.rs");

/// The library's root, where its generated tests and their captures are.
fn library_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tools/ is inside the library's directory")
        .to_path_buf()
}

/// The source without what rustfmt changes: whitespace, and the trailing comma it
/// adds when it breaks a call's arguments over lines.
fn without_whitespace(text: &str) -> String {
    text.split_whitespace()
        .collect::<String>()
        .replace(",)", ")")
}

fn generated_test_file(name: &str, handler: &str) -> TestFile {
    let recording = Recording::read(fixture(DORA)).expect("the fixture reads");
    TestFile::new(name, handler)
        .expect("a valid name")
        .recording_path(&format!("tests/data/{name}.pcap"))
        .describe(&recording)
}

const DORA_HANDLER: &str = "ex_dhcp_testkit::replay::DoraServer::new()";
const DURABLE_HANDLER: &str =
    "ex_dhcp_testkit::replay::DurableDoraServer::new(ex_dhcp::lease::MemoryStore::new())";

fn dora_test_file() -> TestFile {
    generated_test_file("replay_generated_dora", DORA_HANDLER)
}

#[test]
fn the_committed_generated_tests_are_what_the_tool_writes() {
    for (name, handler, committed, module) in [
        (
            "replay_generated_dora",
            DORA_HANDLER,
            GENERATED,
            "generated_dora",
        ),
        (
            "replay_generated_durable",
            DURABLE_HANDLER,
            GENERATED_DURABLE,
            "generated_durable",
        ),
    ] {
        // rustfmt may rewrap the tool's output; the rest must be the same.
        assert_eq!(
            without_whitespace(&generated_test_file(name, handler).render()),
            without_whitespace(committed),
            "regenerate from the library's root with: cargo run -p ex_dhcp-tools --bin \
             record_test -- --pcap tests/data/captures/{DORA} --name {name} --handler \
             '{handler}' --out tests --force, then move tests/{name}.rs to \
             tests/it/replay/{module}.rs"
        );
    }
}

#[test]
fn the_generated_test_replays_the_copied_capture_against_the_named_handler() {
    let source = dora_test_file().render();
    for expected in [
        "use ex_dhcp::replay::{Recording, Replay, ReplayError};",
        "#[test]",
        "fn replay_generated_dora() -> Result<(), ReplayError> {",
        "Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"tests/data/replay_generated_dora.pcap\")",
        "let recording = Recording::read(path)?;",
        "Replay::new(recording)",
        ".run(ex_dhcp_testkit::replay::DoraServer::new())?;",
        "//! - frame 1 DHCPDISCOVER xid 0x00003d1d -> DHCPOFFER xid 0x00003d1d (frame 2)",
        "//! - frame 3 DHCPREQUEST xid 0x00003d1e -> DHCPACK xid 0x00003d1e (frame 4)",
    ] {
        assert!(
            source.contains(expected),
            "missing {expected:?} in:\n{source}"
        );
    }
    for name in ["replay_generated_dora", "replay_generated_durable"] {
        let copied = library_root().join(format!("tests/data/{name}.pcap"));
        assert_eq!(
            std::fs::read(copied).expect("the copied capture is committed"),
            std::fs::read(fixture(DORA)).expect("the fixture reads")
        );
    }
}

#[test]
fn ignores_are_written_into_the_test() {
    let source = TestFile::new("office", "my_crate::Server::default()")
        .expect("a valid name")
        .ignore_field(Field::Secs)
        .ignore_option(51)
        .render();
    assert!(source.contains(".ignore_field(\"secs\")"), "{source}");
    assert!(source.contains(".ignore_option(51)"), "{source}");
    assert!(
        source.contains("join(\"tests/data/office.pcap\")"),
        "{source}"
    );
    assert!(!source.contains("mod "), "{source}");
}

#[test]
fn names_that_cannot_be_test_functions_are_refused() {
    let error = TestFile::new("my-case", "H").expect_err("a dash");
    assert_eq!(error.name, "my-case");
    assert!(error
        .to_string()
        .starts_with("test name \"my-case\" is not"));
}
