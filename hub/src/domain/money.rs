//! Money as the API shows it: a decimal string and an ISO 4217 currency. Stored as an integer count
//! of the currency's minor unit (grosz, cent), so no floating point ever touches a price.

use iso_currency::Currency;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Money {
    /// Decimal with the currency's number of minor digits, e.g. `"3900.00"`.
    #[schema(example = "3900.00")]
    pub amount: String,
    /// ISO 4217 code.
    #[schema(example = "PLN")]
    pub currency: String,
}

/// How many decimal digits the currency's minor unit has (2 for PLN and EUR, 0 for JPY).
pub fn minor_digits(currency: &str) -> Option<u32> {
    Currency::from_code(currency).map(|c| c.exponent().unwrap_or(0).into())
}

impl Money {
    pub fn from_minor(minor: i64, currency: &str) -> Self {
        let digits = minor_digits(currency).unwrap_or(2);
        let amount = if digits == 0 {
            minor.to_string()
        } else {
            let scale = 10i64.pow(digits);
            let sign = if minor < 0 { "-" } else { "" };
            let (whole, frac) = (minor.abs() / scale, minor.abs() % scale);
            format!("{sign}{whole}.{frac:0width$}", width = digits as usize)
        };
        Self {
            amount,
            currency: currency.to_string(),
        }
    }

    /// Parses a decimal amount into minor units; `None` when it has more digits than the currency
    /// allows, is negative or is not a number.
    pub fn parse_minor(amount: &str, currency: &str) -> Option<i64> {
        let digits = minor_digits(currency)? as usize;
        let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > digits
        {
            return None;
        }
        let padded = format!("{frac:0<digits$}");
        let whole: i64 = whole.parse().ok()?;
        let frac: i64 = if digits == 0 { 0 } else { padded.parse().ok()? };
        whole
            .checked_mul(10i64.pow(digits as u32))?
            .checked_add(frac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_round_trip_per_currency() {
        assert_eq!(Money::from_minor(390000, "PLN").amount, "3900.00");
        assert_eq!(Money::from_minor(5, "EUR").amount, "0.05");
        assert_eq!(Money::from_minor(1200, "JPY").amount, "1200");
        assert_eq!(Money::parse_minor("3900.5", "PLN"), Some(390050));
        assert_eq!(Money::parse_minor("12", "EUR"), Some(1200));
        assert_eq!(Money::parse_minor("1.001", "EUR"), None);
        assert_eq!(Money::parse_minor("-1", "EUR"), None);
        assert_eq!(Money::parse_minor("1", "XYZ"), None);
    }
}
