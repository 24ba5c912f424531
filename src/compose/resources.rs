//! Resource limit amounts (`mem_limit`, `cpus`, `cpu_quota`, `deploy.resources.limits.*`) as
//! Docker Compose v2.40.3 reads them (measured, docs/compose-facts.md section 21; checked
//! live by tests/oracle_literals.rs).

/// What one limit setting says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// A positive amount, or one that is not known (an unset variable, a value Compose
    /// refuses: those are other rules' business).
    Limit,
    /// `0` in any unit (`0`, `"0b"`, `0.0`, `${MEM:-0}` once interpolated): Compose drops the
    /// key, so there is no limit.
    Zero,
    /// A negative number: Compose keeps it, and it is no limit (`-1` is cgroups' "unlimited").
    Negative,
}

/// Reads an interpolated amount: a number with an optional unit (`512m`, `0.5`, `0b`).
pub fn amount(text: &str) -> Amount {
    let t = text.trim();
    let (negative, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let number_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let unit = rest[number_end..].trim();
    let Ok(number) = rest[..number_end].parse::<f64>() else {
        return Amount::Limit;
    };
    if !unit.chars().all(|c| c.is_ascii_alphabetic()) || unit.len() > 3 {
        return Amount::Limit;
    }
    if number == 0.0 {
        Amount::Zero
    } else if negative {
        Amount::Negative
    } else {
        Amount::Limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_compose_reads_them() {
        for zero in ["0", "0b", "0.0", " 0m", "0GB"] {
            assert_eq!(amount(zero), Amount::Zero, "{zero}");
        }
        for negative in ["-1", "-0.5", "-2"] {
            assert_eq!(amount(negative), Amount::Negative, "{negative}");
        }
        for limit in ["512m", "1", "0.001", "1.5", "", "abc", "1e9", "${X}"] {
            assert_eq!(amount(limit), Amount::Limit, "{limit}");
        }
    }
}
