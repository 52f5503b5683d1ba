//! The test files `record_test` writes: their content, and that the committed
//! example (`tests/it/replay/generated_dora.rs`, which `cargo test` compiles and runs) is
//! what the tool makes today.

use ex_dhcp::replay::{Field, Recording, TestFile};
use ex_dhcp_testkit::replay::{fixture, DORA};

const GENERATED: &str = include_str!("generated_dora.rs");

fn without_whitespace(text: &str) -> String {
    text.split_whitespace().collect()
}

fn dora_test_file() -> TestFile {
    let recording = Recording::from_capture(fixture(DORA)).expect("the fixture reads");
    TestFile::new(
        "replay_generated_dora",
        "ex_dhcp_testkit::replay::DoraServer::new()",
    )
    .expect("a valid name")
    .recording_path("tests/data/replay_generated_dora.pcap")
    .describe(&recording)
}

#[test]
fn the_committed_generated_test_is_what_the_tool_writes() {
    // rustfmt may rewrap the tool's output; the tokens must be the same.
    assert_eq!(
        without_whitespace(&dora_test_file().render()),
        without_whitespace(GENERATED),
        "regenerate with: cargo run -p ex_dhcp-tools --bin record_test -- --pcap \
         tests/data/captures/{DORA} --name replay_generated_dora \
         --handler 'ex_dhcp_testkit::replay::DoraServer::new()' --out tests --force, \
         then move tests/replay_generated_dora.rs to tests/it/replay/generated_dora.rs"
    );
}

#[test]
fn the_generated_test_replays_the_copied_capture_against_the_named_handler() {
    let source = dora_test_file().render();
    for expected in [
        "use ex_dhcp::replay::{Replay, ReplayError};",
        "#[test]",
        "fn replay_generated_dora() -> Result<(), ReplayError> {",
        "Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"tests/data/replay_generated_dora.pcap\")",
        "Replay::from_path(recording)?",
        ".run(ex_dhcp_testkit::replay::DoraServer::new())?;",
        "//! - frame 1 DHCPDISCOVER xid 0x00003d1d -> DHCPOFFER xid 0x00003d1d (frame 2)",
        "//! - frame 3 DHCPREQUEST xid 0x00003d1e -> DHCPACK xid 0x00003d1e (frame 4)",
    ] {
        assert!(
            source.contains(expected),
            "missing {expected:?} in:\n{source}"
        );
    }
    let copied = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/replay_generated_dora.pcap");
    assert_eq!(
        std::fs::read(copied).expect("the copied capture is committed"),
        std::fs::read(fixture(DORA)).expect("the fixture reads")
    );
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
