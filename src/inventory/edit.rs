//! Editing the inventory file in place: `sparkctl ha enable`/`disable`
//! rewrite it with toml_edit so that the user's comments, key order and
//! layout survive, ask before touching it, and replace it atomically.
//!
//! Kept apart from `command::ha` because none of it talks to a host: it is
//! text in, text out (plus the one prompt and the one write), and so can be
//! tested without a cluster.

use crate::diag::UsageError;
use anyhow::{anyhow, bail, Result};
use std::io::IsTerminal;
use std::path::Path;

pub enum Change {
    Zookeeper {
        zk_hosts: Vec<String>,
        masters: Vec<String>,
        zk_tarball: Option<String>,
    },
    Filesystem {
        dir: String,
    },
    Disable,
}

/// Apply `change` to the inventory text, keeping comments and layout.
pub fn edit_inventory(text: &str, change: &Change) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| anyhow!("cannot parse the inventory: {}", e))?;
    if doc.get("cluster").is_none() {
        doc["cluster"] = toml_edit::table();
    }
    let cluster = doc["cluster"]
        .as_table_mut()
        .ok_or_else(|| anyhow!("[cluster] is not a table"))?;
    match change {
        Change::Zookeeper { .. } => {
            cluster["ha"] = toml_edit::value("zookeeper");
            cluster.remove("recovery_dir");
        }
        Change::Filesystem { dir } => {
            cluster["ha"] = toml_edit::value("filesystem");
            cluster["recovery_dir"] = toml_edit::value(dir.as_str());
        }
        Change::Disable => {
            cluster["ha"] = toml_edit::value("none");
            cluster.remove("recovery_dir");
        }
    }
    if let Change::Zookeeper {
        zk_hosts,
        masters,
        zk_tarball,
    } = change
    {
        add_role(&mut doc, zk_hosts, "zookeeper")?;
        add_role(&mut doc, masters, "master")?;
        let has_zk_dist = doc
            .get("zookeeper")
            .and_then(|z| z.as_table())
            .is_some_and(|z| z.contains_key("tarball") || z.contains_key("url"));
        if !has_zk_dist {
            match zk_tarball {
                Some(t) => {
                    if doc.get("zookeeper").is_none() {
                        doc["zookeeper"] = toml_edit::table();
                    }
                    doc["zookeeper"]["tarball"] = toml_edit::value(t.as_str());
                }
                None => bail!(UsageError("error: ha enable --zk needs a ZooKeeper distribution, and the inventory has none\n  = help: pass --zk-tarball PATH (e.g. apache-zookeeper-3.8.4-bin.tar.gz), or add [zookeeper] with `tarball` or `url` and `sha512`".into())),
            }
        }
    }
    Ok(doc.to_string())
}

fn add_role(doc: &mut toml_edit::DocumentMut, hosts: &[String], role: &str) -> Result<()> {
    if hosts.is_empty() {
        return Ok(());
    }
    let tables = doc
        .get_mut("host")
        .and_then(|h| h.as_array_of_tables_mut())
        .ok_or_else(|| anyhow!("the inventory has no [[host]] tables"))?;
    let names: Vec<String> = tables
        .iter()
        .filter_map(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .collect();
    for want in hosts {
        let Some(t) = tables
            .iter_mut()
            .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(want.as_str()))
        else {
            let hint = crate::diag::did_you_mean(want, names.iter().map(String::as_str))
                .map(|s| format!(" (did you mean `{}`?)", s))
                .unwrap_or_default();
            bail!(UsageError(format!(
                "error: no host named `{}` in the inventory{}; hosts: {}",
                want,
                hint,
                names.join(", ")
            )));
        };
        let roles = t
            .entry("roles")
            .or_insert(toml_edit::value(toml_edit::Array::new()));
        let arr = roles
            .as_array_mut()
            .ok_or_else(|| anyhow!("roles of host `{}` is not a list", want))?;
        if !arr.iter().any(|v| v.as_str() == Some(role)) {
            arr.push(role);
        }
    }
    Ok(())
}

/// Whether to go ahead with a change already shown to the user: `--yes`
/// says so; otherwise ask `Proceed? [y/N]` on the terminal. Without a
/// terminal (a script, CI) there is nobody to ask, so refuse rather than
/// guess: an unattended change to a running cluster must be explicit.
pub fn confirm(yes: bool) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!(UsageError(
            "error: refusing to change a running cluster without confirmation: pass --yes".into()
        ));
    }
    eprint!("Proceed? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// Write the inventory atomically: a reader never sees half a file. The
/// temporary file sits beside the target (same filesystem, so the rename is
/// atomic) and carries our pid, so two runs never share one.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension(format!("toml.sparkctl-tmp{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Ha;

    #[test]
    fn enable_keeps_comments_and_adds_roles() {
        let text = "# my cluster\n[spark]\ntarball = \"s.tgz\" # pinned\n[zookeeper]\ntarball = \"z-3.8.4.tgz\"\n\n[[host]]\nname = \"a\"\nroles = [\"master\", \"worker\"]\n[[host]]\nname = \"b\"\nroles = [\"worker\"]\n[[host]]\nname = \"c\"\nroles = [\"worker\"]\n";
        let change = Change::Zookeeper {
            zk_hosts: vec!["a".into(), "b".into(), "c".into()],
            masters: vec!["b".into()],
            zk_tarball: None,
        };
        let out = edit_inventory(text, &change).unwrap();
        assert!(
            out.contains("# my cluster") && out.contains("# pinned"),
            "{}",
            out
        );
        let c = crate::inventory::parse(Path::new("x.toml"), &out).unwrap();
        assert_eq!(c.ha, Ha::Zookeeper);
        assert_eq!(c.masters().count(), 2);
        assert_eq!(c.zk_hosts().count(), 3);
        let err = edit_inventory(
            text,
            &Change::Zookeeper {
                zk_hosts: vec!["d".into()],
                masters: vec![],
                zk_tarball: None,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("error: no host named `d` in the inventory"),
            "{}",
            err
        );
        let no_zk = text.replace("[zookeeper]\ntarball = \"z-3.8.4.tgz\"\n", "");
        let err = edit_inventory(&no_zk, &change).unwrap_err().to_string();
        assert!(
            err.starts_with("error: ha enable --zk needs a ZooKeeper distribution"),
            "{}",
            err
        );
    }

    /// An inventory with comments and keys `ha` must not disturb.
    const PLAIN: &str = "# production\n[cluster]\nname = \"prod\" # keep\n\n[spark]\ntarball = \"s.tgz\"\n\n[[host]]\nname = \"a\"\nroles = [\"master\", \"worker\"]\n";

    fn filesystem() -> Change {
        Change::Filesystem {
            dir: "/var/lib/spark/recovery".into(),
        }
    }

    #[test]
    fn filesystem_keeps_comments_and_other_keys() {
        let out = edit_inventory(PLAIN, &filesystem()).unwrap();
        // Every line of the original survives, in order, and only the two
        // HA keys are added to [cluster].
        assert_eq!(
            out,
            PLAIN.replace(
                "name = \"prod\" # keep\n",
                "name = \"prod\" # keep\nha = \"filesystem\"\nrecovery_dir = \"/var/lib/spark/recovery\"\n"
            )
        );
    }

    #[test]
    fn disable_turns_ha_off_and_drops_the_recovery_dir() {
        let on = edit_inventory(PLAIN, &filesystem()).unwrap();
        let off = edit_inventory(&on, &Change::Disable).unwrap();
        assert!(off.contains("ha = \"none\""), "{}", off);
        assert!(!off.contains("recovery_dir"), "{}", off);
        assert!(
            off.contains("# production") && off.contains("# keep"),
            "{}",
            off
        );
        // Without a [cluster] table one is created to hold the setting.
        let bare = "[[host]]\nname = \"a\"\n";
        let out = edit_inventory(bare, &Change::Disable).unwrap();
        assert!(out.contains("[cluster]\nha = \"none\""), "{}", out);
    }

    #[test]
    fn editing_twice_changes_nothing_more() {
        let zk = Change::Zookeeper {
            zk_hosts: vec!["a".into()],
            masters: vec!["a".into()],
            zk_tarball: Some("z.tgz".into()),
        };
        for change in [zk, filesystem(), Change::Disable] {
            let once = edit_inventory(PLAIN, &change).unwrap();
            let twice = edit_inventory(&once, &change).unwrap();
            assert_eq!(once, twice);
        }
        // A role the host already has is not listed twice.
        let once = edit_inventory(
            PLAIN,
            &Change::Zookeeper {
                zk_hosts: vec![],
                masters: vec!["a".into()],
                zk_tarball: Some("z.tgz".into()),
            },
        )
        .unwrap();
        assert!(
            once.contains("roles = [\"master\", \"worker\"]"),
            "{}",
            once
        );
    }

    #[test]
    fn malformed_inventories_are_refused() {
        let err = edit_inventory("[cluster\nname = 1", &Change::Disable)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot parse the inventory: "), "{}", err);
        let err = edit_inventory("cluster = 1\n", &Change::Disable)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "[cluster] is not a table");
        let zk = Change::Zookeeper {
            zk_hosts: vec!["a".into()],
            masters: vec![],
            zk_tarball: Some("z.tgz".into()),
        };
        let err = edit_inventory("[cluster]\n", &zk).unwrap_err().to_string();
        assert_eq!(err, "the inventory has no [[host]] tables");
        let err = edit_inventory("[[host]]\nname = \"a\"\nroles = \"worker\"\n", &zk)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "roles of host `a` is not a list");
    }

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("sparkctl-edit-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cluster.toml");
        std::fs::write(&path, "old\n").unwrap();
        write_atomic(&path, "new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("cluster.toml")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn yes_confirms_without_asking() {
        assert!(confirm(true).unwrap());
    }
}
