//! Unit tests of `diag.rs`: the rendered diagnostic, its columns and colours.

use super::*;

#[test]
fn renders_location_and_caret() {
    let src: std::sync::Arc<str> = "a = 1\nport = 8080\n".into();
    let d = Diagnostic::new("bad port")
        .in_file(Path::new("inv.toml"), src, Some(13..17))
        .with_help("use another");
    assert_eq!(
        d.to_string(),
        "error: bad port\n --> inv.toml:2:8\n  |\n2 | port = 8080\n  |        ^^^^\n  = help: use another\n"
    );
}

#[test]
fn suggests_close_names() {
    assert_eq!(
        did_you_mean("worker_core", ["worker_cores", "master_port"]),
        Some("worker_cores")
    );
    assert_eq!(did_you_mean("zzz", ["worker_cores"]), None);
}

fn at(src: &str, find: &str, help: Option<&str>) -> String {
    let start = src.find(find).unwrap();
    let mut d = Diagnostic::new("bad").in_file(
        Path::new("i.toml"),
        src.into(),
        Some(start..start + find.len()),
    );
    if let Some(h) = help {
        d = d.with_help(h);
    }
    d.to_string()
}

#[test]
fn a_tab_before_the_value_is_four_columns() {
    // The tab is shown as four spaces and the caret is counted the same way.
    assert_eq!(
        at("\tport = 8080\n", "8080", None),
        "error: bad\n --> i.toml:1:9\n  |\n1 |     port = 8080\n  |            ^^^^\n"
    );
}

#[test]
fn wide_characters_take_two_columns() {
    // `"日本"` is four characters but six columns: six carets, and the
    // value after it starts at column 12 of the terminal, not 10.
    assert_eq!(
        at("name = \"日本\"\n", "\"日本\"", None),
        "error: bad\n --> i.toml:1:8\n  |\n1 | name = \"日本\"\n  |        ^^^^^^\n"
    );
    assert_eq!(
        at("k = \"日本\" # x\n", "x", None),
        "error: bad\n --> i.toml:1:12\n  |\n1 | k = \"日本\" # x\n  |              ^\n"
    );
}

#[test]
fn help_lines_up_with_a_long_line_number() {
    let src = format!("{}port = 1\n", "#\n".repeat(11));
    assert_eq!(
        at(&src, "1\n", Some("use another")),
        "error: bad\n  --> i.toml:12:8\n   |\n12 | port = 1\n   |        ^\n   = help: use another\n"
    );
    // Without a location the help keeps its two-space indent.
    assert_eq!(
        Diagnostic::new("bad").with_help("h").to_string(),
        "error: bad\n  = help: h\n"
    );
}

#[test]
fn coloured_rendering_has_the_plain_text_under_the_codes() {
    let src: std::sync::Arc<str> = "port = 8080\n".into();
    let d = Diagnostic::new("bad port")
        .in_file(Path::new("i.toml"), src, Some(7..11))
        .with_help("h");
    let coloured = d.styled(&Palette::COLOURED).to_string();
    assert!(
        coloured.starts_with("\x1b[1m\x1b[31merror\x1b[0m: bad port\n"),
        "{:?}",
        coloured
    );
    assert!(
        coloured.contains("\x1b[1m\x1b[34m|\x1b[0m"),
        "{:?}",
        coloured
    );
    let stripped: String = anstream::adapter::strip_str(&coloured).to_string();
    assert_eq!(stripped, d.to_string());
    assert_eq!(d.styled(&Palette::PLAIN).to_string(), d.to_string());
}

#[test]
fn plain_messages_get_their_prefixes_coloured() {
    let msg = "error: --skip: no host\n  = help: did you mean `c`?\nwarning: w\nerror:x = help: not a marker\n";
    assert_eq!(style::paint_message(msg, &Palette::PLAIN), msg);
    let c = style::paint_message(msg, &Palette::COLOURED);
    assert_eq!(anstream::adapter::strip_str(&c).to_string(), msg);
    assert!(
        c.starts_with("\x1b[1m\x1b[31merror\x1b[0m: --skip"),
        "{:?}",
        c
    );
    assert!(
        c.contains("  \x1b[1m\x1b[34m=\x1b[0m \x1b[1mhelp\x1b[0m: did"),
        "{:?}",
        c
    );
    assert!(c.contains("\x1b[1m\x1b[33mwarning\x1b[0m: w"), "{:?}", c);
}

#[test]
fn color_flag_is_read_before_clap() {
    use clap::ColorChoice::*;
    let f = |args: &[&str]| style::color_flag(args.iter().map(std::ffi::OsString::from));
    assert_eq!(f(&["check", "--color", "always"]), Some(Always));
    assert_eq!(f(&["--color=never", "check"]), Some(Never));
    assert_eq!(f(&["--color=never", "--color", "auto"]), Some(Auto));
    assert_eq!(f(&["check", "--color", "purple"]), None);
    assert_eq!(f(&["check", "--", "--color", "always"]), None);
    assert_eq!(f(&["check"]), None);
}
