//! The README's code is real code: its minimal server is `examples/minimal.rs`,
//! which CI compiles, and every command it tells a reader to run is run by a test
//! (`tools/tests/cli`, `tests/it/demo.rs`, `.ci/run`). Its Rust blocks are doc tests too (see `src/lib.rs`).

use std::fs;
use std::path::Path;

const MINIMAL_HEADING: &str = "## A minimal server";
const RUST_FENCE: &str = "```rust";
const FENCE_END: &str = "\n```";

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The first Rust code block after `heading`, without its fences.
fn rust_block_after<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let section = markdown
        .split_once(heading)
        .unwrap_or_else(|| panic!("README has no {heading:?} section"))
        .1;
    let fence = section
        .find(RUST_FENCE)
        .unwrap_or_else(|| panic!("no ```rust block after {heading:?}"));
    let after_fence = &section[fence..];
    let body_start = after_fence
        .find('\n')
        .expect("a fence line ends with a newline")
        + 1;
    let body = &after_fence[body_start..];
    let body_end = body
        .find(FENCE_END)
        .map(|end| end + 1)
        .expect("the Rust block is closed");
    &body[..body_end]
}

#[test]
fn readme_minimal_server_is_examples_minimal_rs() {
    let readme = read("README.md");
    let block = rust_block_after(&readme, MINIMAL_HEADING);
    let example = read("examples/minimal.rs");
    assert!(
        block == example,
        "the README's minimal server and examples/minimal.rs differ; copy one to the other\n\
         --- README ---\n{block}\n--- examples/minimal.rs ---\n{example}"
    );
}

#[test]
fn readme_names_the_commands_ci_runs() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    for command in ["cargo run --example demo", "cargo test"] {
        assert!(
            readme.lines().any(|line| line == command),
            "README lacks a line `{command}`"
        );
        assert!(
            ci.lines().any(|line| line == command),
            ".ci/run does not run exactly `{command}`"
        );
    }
}

#[test]
fn readme_names_the_opt_in_suite_that_ci_runs() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    assert!(
        readme.contains("sudo .ci/interop"),
        "README lacks the opt-in suite's command"
    );
    assert!(
        ci.lines().any(|line| line == ".ci/interop"),
        ".ci/run does not run the opt-in suite"
    );
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(".ci/interop")
            .is_file(),
        ".ci/interop is missing"
    );
}
