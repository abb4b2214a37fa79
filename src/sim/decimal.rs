//! Numbers as decimal text, without the standard library's float formatting.
//!
//! `format!("{x:.1}")` pulls Grisu, Dragon4 and their tables into the page (about 14 KB of wasm);
//! every figure it shows needs only a fixed number of places, which integer arithmetic gives.

use std::fmt;

/// `x` with `places` decimals (at most 9), as `{x:.places$}` prints it but for ties, which round
/// away from zero, and a negative value that rounds to zero, printed without its sign. Beyond
/// ±9·10¹⁵ it prints the integer part, and beyond 9·10¹⁸ `e` notation with three decimals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fixed(pub f64, pub u8);

/// `x` limited to `lo..=hi` (`lo` for NaN). Not `f64::clamp`: its panic message formats floats,
/// which alone would bring the float formatting back into the page.
pub fn within(x: f64, lo: f64, hi: f64) -> f64 {
    if x > hi {
        hi
    } else if x >= lo {
        x
    } else {
        lo
    }
}

/// `x` with `places` decimals; see [`Fixed`].
pub fn fixed(x: f64, places: u8) -> Fixed {
    Fixed(x, places)
}

/// `x` with at most `places` decimals, trailing zeros dropped (`2.50` → `2.5`, `3.00` → `3`).
pub fn trimmed(x: f64, places: u8) -> String {
    let s = fixed(x, places).to_string();
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fixed(x, places) = *self;
        if x.is_nan() {
            return f.write_str("NaN");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
        }
        let places = places.min(9);
        let scale = 10u64.pow(u32::from(places));
        let scaled = libm::round(x.abs() * scale as f64);
        if scaled < 9.0e15 {
            let n = scaled as u64;
            if x < 0.0 && n != 0 {
                f.write_str("-")?;
            }
            write!(f, "{}", n / scale)?;
            if places > 0 {
                let frac = (n % scale).to_string();
                f.write_str(".")?;
                for _ in frac.len()..usize::from(places) {
                    f.write_str("0")?;
                }
                f.write_str(&frac)?;
            }
            return Ok(());
        }
        if x.abs() < 9.0e18 {
            // Every double this large is an integer already.
            return write!(f, "{}", x as i64);
        }
        let exp = libm::floor(libm::log10(x.abs()));
        let mantissa = x / libm::pow(10.0, exp);
        write!(f, "{}e{}", Fixed(mantissa, 3), exp as i64)
    }
}

/// A number without needless decimals: `6`, `2.5`, `0.25`, `1000000`.
pub fn trim(v: f64) -> String {
    trimmed(v, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_as_the_standard_library_does() {
        assert_eq!(fixed(0.0, 1).to_string(), "0.0");
        assert_eq!(fixed(12.345, 0).to_string(), "12");
        assert_eq!(fixed(12.345, 2).to_string(), "12.35");
        assert_eq!(fixed(0.05, 3).to_string(), "0.050");
        assert_eq!(fixed(-2.71449, 2).to_string(), "-2.71");
        assert_eq!(fixed(1e6 + 0.04, 1).to_string(), "1000000.0");
        assert_eq!(fixed(999.96, 1).to_string(), "1000.0");
        assert_eq!(fixed(-0.01, 1).to_string(), "0.0");
        assert_eq!(fixed(f64::NAN, 1).to_string(), "NaN");
        assert_eq!(fixed(f64::NEG_INFINITY, 1).to_string(), "-inf");
        assert_eq!(fixed(1.5e16, 2).to_string(), "15000000000000000");
        assert_eq!(fixed(2.5e20, 1).to_string(), "2.500e20");
        assert_eq!(within(f64::NAN, 1.0, 2.0), 1.0);
        assert_eq!(within(3.0, 1.0, 2.0), 2.0);
        assert_eq!(within(-3.0, 1.0, 2.0), 1.0);
        assert_eq!(within(1.5, 1.0, 2.0), 1.5);
        assert_eq!(trimmed(2.50, 3), "2.5");
        assert_eq!(trimmed(3.0, 3), "3");
        assert_eq!(trimmed(1200.0, 0), "1200");
        assert_eq!(trimmed(2.5e20, 3), "2.500e20");
    }

    // proptest is a native dev-dependency only.
    #[cfg(not(target_arch = "wasm32"))]
    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Away from ties (where the standard library rounds the exact binary value half to even),
            /// the same text as `{:.p$}`.
            #[test]
            fn agrees_with_format(x in -1.0e9f64..1.0e9, places in 0u8..=6) {
                let scaled = x.abs() * 10f64.powi(i32::from(places));
                prop_assume!((scaled - scaled.floor() - 0.5).abs() > 1e-6);
                prop_assume!(scaled >= 0.5 || x >= 0.0);
                let p = usize::from(places);
                prop_assert_eq!(fixed(x, places).to_string(), format!("{x:.p$}"));
            }
        }
    }
}
