//! Helpers for the steps' unit tests, which run the scripts with `sh`.

pub fn run(script: &str) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap()
}

pub fn tmpdir(tag: &str) -> String {
    let d = std::env::temp_dir().join(format!("sparkctl-steps-{}-{}", tag, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d.display().to_string()
}

/// The values of a run's `@tag` lines ([`tagged`](super::tagged)), in order.
pub fn tagged(out: &std::process::Output, tag: &str) -> Vec<String> {
    super::tagged(&String::from_utf8_lossy(&out.stdout), tag)
        .map(str::to_string)
        .collect()
}
