//! `[cluster] templates`: the override directory, checked against the
//! names of the built-in templates so that no override is silently ignored.

use super::Errors;
use crate::diag::did_you_mean;
use crate::path;
use std::path::Path;

/// `[cluster] templates`: overrides are picked by exact file name, so a
/// directory that is missing, a file instead of a directory, or a file whose
/// name is not a template's (`spark_env.sh.tera`) would silently leave the
/// built-in templates in use. Refuse them, naming the expected files.
/// (This reads the operator's disk, as the render that follows does.)
pub(super) fn check_templates_dir(e: &mut Errors, dir: &Path) {
    let at = path!["cluster", "templates"];
    let expected: Vec<String> = crate::render::override_names().collect();
    let help_names = format!(
        "the directory holds overrides named {}; each one replaces the built-in template of that name",
        expected.join(", ")
    );
    let unreadable = |err: std::io::Error| {
        format!(
            "templates directory `{}` cannot be read: {}",
            dir.display(),
            err
        )
    };
    let entries = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => std::fs::read_dir(dir),
        Ok(_) => {
            e.help(
                at,
                format!("templates `{}` is not a directory", dir.display()),
                help_names,
            );
            return;
        }
        Err(err) => {
            e.help(
                at,
                unreadable(err),
                format!(
                    "create it, or remove `templates` to use the built-in templates; {}",
                    help_names
                ),
            );
            return;
        }
    };
    let mut found: Vec<(String, bool)> = match entries {
        Ok(rd) => rd
            .filter_map(|d| d.ok())
            .map(|d| {
                let is_file = std::fs::metadata(d.path()).is_ok_and(|m| m.is_file());
                (d.file_name().to_string_lossy().into_owned(), is_file)
            })
            // Editor and VCS leftovers (.swp, .git) are not overrides.
            .filter(|(n, _)| !n.starts_with('.'))
            .collect(),
        Err(err) => {
            e.help(at, unreadable(err), help_names);
            return;
        }
    };
    found.sort();
    for (name, is_file) in found {
        if expected.contains(&name) {
            if !is_file {
                e.help(
                    at.clone(),
                    format!(
                        "template override `{}` in `{}` is not a file",
                        name,
                        dir.display()
                    ),
                    "make it a regular file, or remove it to use the built-in template",
                );
            }
            continue;
        }
        let help = match did_you_mean(&name, expected.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{}`? {}", s, help_names),
            None => help_names.clone(),
        };
        e.help(
            at.clone(),
            format!(
                "`{}` in templates directory `{}` is not a template sparkctl uses",
                name.escape_debug(),
                dir.display()
            ),
            help,
        );
    }
}
