//! Quoting for POSIX sh. Every value that goes into a remote script passes
//! through `quote`, so no inventory string is ever interpreted by a shell.

/// Single-quote `s` for sh: `it's` -> `'it'\''s'`.
pub fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A here-document delimiter that does not occur in `content`.
pub fn heredoc_delimiter(content: &str) -> String {
    let mut n = 0u32;
    loop {
        let d = format!("SPARKCTL_EOF_{}", n);
        if !content.lines().any(|l| l == d) {
            return d;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote("/opt/spark"), "/opt/spark");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn heredoc_delimiter_avoids_content() {
        assert_eq!(heredoc_delimiter("x"), "SPARKCTL_EOF_0");
        assert_eq!(heredoc_delimiter("SPARKCTL_EOF_0\ny"), "SPARKCTL_EOF_1");
    }

    /// The real shell agrees with `quote` on hostile strings.
    #[test]
    fn sh_round_trips_quoted_values() {
        for s in [
            "plain", "a b", "it's", "$(id)", "`id`", "a\nb", "\\", "\"q\"", "-n", "*",
        ] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", quote(s)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), s);
        }
    }
}
