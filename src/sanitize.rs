//! Untrusted text (log lines, API and stage names) made safe to print: terminal control
//! sequences are stripped so a log line cannot move the cursor, retitle the window or hide
//! text, and credentials are redacted before anything reaches a screen or a ticket.

use std::sync::LazyLock;

use regex::Regex;

/// Removes ANSI escape sequences (CSI, OSC, others), C0/C1 control characters (tabs and
/// newlines are kept) and Unicode bidirectional overrides.
pub fn strip_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                // CSI: ESC [ params final-byte (0x40..=0x7e)
                Some('[') => {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&n) {
                            break;
                        }
                    }
                }
                // OSC / DCS / APC / PM / SOS: ESC ] ... terminated by BEL or ESC \
                Some(']' | 'P' | '_' | '^' | 'X') => {
                    chars.next();
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

static SECRETS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // Access key ids: keep the prefix so the key type is still recognisable.
        (
            r"\b((?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{4})[A-Z0-9]{12}\b",
            "${1}************",
        ),
        (
            r"(?i)(aws_secret_access_key\s*[=:]\s*)[A-Za-z0-9/+=]{20,}",
            "${1}[REDACTED]",
        ),
        (
            r"(?i)(x-amz-security-token\s*[=:]\s*)[^\s,}\]]+",
            "${1}[REDACTED]",
        ),
        (
            r"(?i)(authorization\s*[=:]\s*(?:bearer|basic|aws4-hmac-sha256)?\s*)[^\s,}\]]{8,}",
            "${1}[REDACTED]",
        ),
        (r"(?i)(x-api-key\s*[=:]\s*)[^\s,}\]]{8,}", "${1}[REDACTED]"),
        (
            r#"(?i)("?(?:password|secret|token)"?\s*[=:]\s*"?)[^\s",}\]]{6,}"#,
            "${1}[REDACTED]",
        ),
    ]
    .into_iter()
    .filter_map(|(re, rep)| Regex::new(re).ok().map(|r| (r, rep)))
    .collect()
});

/// Redacts credentials (access keys, secret keys, session tokens, Authorization/x-api-key
/// header values, password/token fields).
pub fn redact(s: &str) -> String {
    let mut out = s.to_string();
    for (re, rep) in SECRETS.iter() {
        out = re.replace_all(&out, *rep).into_owned();
    }
    out
}

/// Both: what every renderer applies to text from AWS.
pub fn clean(s: &str) -> String {
    redact(&strip_controls(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_removed() {
        assert_eq!(strip_controls("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(strip_controls("x\u{1b}]0;owned\u{7}y"), "xy");
        assert_eq!(
            strip_controls("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\y"),
            "xlinky"
        );
        assert_eq!(
            strip_controls("bell\u{7} back\u{8}space\r\n"),
            "bell backspace\n"
        );
        assert_eq!(strip_controls("rtl\u{202e}txt"), "rtltxt");
        assert_eq!(strip_controls("dangling\u{1b}"), "dangling");
        assert_eq!(strip_controls("c1\u{9b}31m"), "c131m");
    }

    #[test]
    fn credentials_are_redacted() {
        let s = redact("key AKIAIOSFODNN7EXAMPLE used");
        assert_eq!(s, "key AKIAIOSF************ used");
        let s = redact("{Authorization=AWS4-HMAC-SHA256 Credential=abc/20190227, X-Amz-Security-Token=IQoJb3JpZ2luX2VjE, Accept=application/json}");
        assert!(
            !s.contains("IQoJb3JpZ2luX2VjE") && !s.contains("Credential=abc"),
            "{s}"
        );
        assert!(s.contains("Accept=application/json"));
        assert!(
            redact("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
                .ends_with("[REDACTED]")
        );
        assert_eq!(redact("Duration: 26.73 ms"), "Duration: 26.73 ms");
    }
}
