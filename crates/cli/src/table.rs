//! Plain-text tables and times for the store commands.

/// Left-aligned columns two spaces apart; the last column is not padded.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    push_line(&mut out, &widths, header.iter().copied());
    for row in rows {
        push_line(&mut out, &widths, row.iter().map(String::as_str));
    }
    out
}

fn push_line<'a>(out: &mut String, widths: &[usize], cells: impl Iterator<Item = &'a str>) {
    let mut text = String::new();
    for (i, cell) in cells.enumerate() {
        text.push_str(cell);
        if i + 1 < widths.len() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.push_str(&" ".repeat(pad + 2));
        }
    }
    out.push_str(text.trim_end());
    out.push('\n');
}

/// At most `max` characters, the last one `…` when cut; one line.
pub fn cut(text: &str, max: usize) -> String {
    let one_line = text.lines().next().unwrap_or("");
    let cut_here = one_line
        .char_indices()
        .nth(max.saturating_sub(1))
        .map(|(i, _)| i);
    match cut_here {
        Some(i) if one_line.chars().count() > max => format!("{}…", &one_line[..i]),
        _ if one_line.len() < text.trim_end().len() => format!("{one_line}…"),
        _ => one_line.to_string(),
    }
}

/// Unix ms as RFC 3339 in UTC with milliseconds (`2026-11-21T08:06:13.042Z`).
pub fn rfc3339(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => ms.to_string(),
    }
}

/// Unix ms as RFC 3339 in UTC to the second, for tables.
pub fn rfc3339_secs(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.0}"),
        Err(_) => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_trim() {
        let text = render(
            &["ID", "STATUS", "MESSAGE"],
            &[
                vec!["1".into(), "new".into(), "boom".into()],
                vec!["22".into(), "resolved".into(), "".into()],
            ],
        );
        assert_eq!(
            text,
            "ID  STATUS    MESSAGE\n1   new       boom\n22  resolved\n"
        );
    }

    #[test]
    fn cutting_counts_characters() {
        assert_eq!(cut("héllo wörld", 5), "héll…");
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("first\nsecond", 20), "first…");
        assert_eq!(cut("exactly", 7), "exactly");
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_766_773_042), "2026-11-27T08:06:13.042Z");
        assert_eq!(rfc3339_secs(1_795_766_773_042), "2026-11-27T08:06:13Z");
    }
}
