//! Decimal literals: the canonical text of a decimal number that fits its precision and scale.

use super::LiteralError;

/// canonical_decimal writes `text` (`[+-]digits[.digits][e[+-]digits]`) without superfluous
/// zeros, after checking it fits `decimal(precision, scale)`.
pub fn canonical_decimal(text: &str, precision: u32, scale: u32) -> Result<String, LiteralError> {
    let bad = || LiteralError::NotDecimal(text.to_string());
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => {
            let exp = &body[i + 1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad());
            }
            (&body[..i], exp.parse::<i64>().map_err(|_| bad())?)
        }
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || !digits_ok(int)
        || !digits_ok(frac)
        || (mantissa.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    // Shift the decimal point by the exponent over the digit string.
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + exponent;
    let (int_part, frac_part) = if point <= 0 {
        (
            String::new(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_string(),
            digits[point as usize..].to_string(),
        )
    };
    let int_part = int_part.trim_start_matches('0');
    let frac_part = frac_part.trim_end_matches('0');
    if frac_part.len() > scale as usize {
        return Err(LiteralError::DecimalScale {
            text: text.to_string(),
            digits: frac_part.len(),
            precision,
            scale,
        });
    }
    let int_max = (precision - scale.min(precision)) as usize;
    if int_part.len() > int_max {
        return Err(LiteralError::DecimalPrecision {
            text: text.to_string(),
            digits: int_part.len(),
            precision,
            scale,
            keeps: int_max,
        });
    }
    let mut out = String::new();
    if negative && !(int_part.is_empty() && frac_part.is_empty()) {
        out.push('-');
    }
    out.push_str(if int_part.is_empty() { "0" } else { int_part });
    if !frac_part.is_empty() {
        out.push('.');
        out.push_str(frac_part);
    }
    Ok(out)
}
