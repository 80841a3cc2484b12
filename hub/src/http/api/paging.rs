//! Query-string handling shared by list endpoints: `page`, `page_size`, `sort`, and the
//! `{data, meta: {pagination}}` envelope (api.md, Conventions). Every bad parameter is reported by
//! name; unknown parameters are refused rather than silently ignored.

use serde::Serialize;

use crate::error::FieldError;

pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 100;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Pagination {
    pub page: i64,
    pub page_size: i64,
    pub total: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Meta {
    pub pagination: Pagination,
    /// For the offer catalogue: counts per industry, mode, language and EQF level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<crate::domain::offers::Facets>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListOf<T: utoipa::ToSchema> {
    pub data: Vec<T>,
    pub meta: Meta,
}

impl<T: utoipa::ToSchema> ListOf<T> {
    /// The envelope of one window of a list.
    pub fn of(paged: crate::db::Paged<T>, window: crate::db::Window) -> Self {
        Self {
            data: paged.items,
            meta: Meta {
                pagination: Pagination {
                    page: window.page,
                    page_size: window.page_size,
                    total: paged.total,
                },
                facets: None,
            },
        }
    }
}

/// Reads and checks one query parameter at a time, collecting every error before answering.
pub struct Params {
    pairs: Vec<(String, String)>,
    pub errors: Vec<FieldError>,
}

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self {
            pairs,
            errors: Vec::new(),
        }
    }

    /// The raw value of `name` (its last occurrence), taking it out of the unread set.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let mut found = None;
        self.pairs.retain(|(k, v)| {
            if k == name {
                found = Some(v.clone());
                false
            } else {
                true
            }
        });
        found.filter(|v| !v.is_empty())
    }

    pub fn parse<T: std::str::FromStr>(&mut self, name: &str, expected: &str) -> Option<T> {
        let raw = self.take(name)?;
        match raw.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.errors.push(FieldError::new(
                    name,
                    "invalid",
                    format!("expected {expected}"),
                ));
                None
            }
        }
    }

    /// A whole number within `min..=max`, or `None` when absent or refused.
    pub fn opt_int_in(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let v = self.parse::<i64>(name, "a whole number")?;
        if (min..=max).contains(&v) {
            Some(v)
        } else {
            self.errors.push(FieldError::new(
                name,
                "out_of_range",
                format!("must be between {min} and {max}"),
            ));
            None
        }
    }

    pub fn int_in(&mut self, name: &str, min: i64, max: i64, default: i64) -> i64 {
        self.opt_int_in(name, min, max).unwrap_or(default)
    }

    pub fn one_of(&mut self, name: &str, allowed: &[&str]) -> Option<String> {
        let raw = self.take(name)?;
        if allowed.contains(&raw.as_str()) {
            Some(raw)
        } else {
            self.errors.push(FieldError::new(
                name,
                "invalid",
                format!("must be one of {}", allowed.join(", ")),
            ));
            None
        }
    }

    /// Page and page size, with the API's defaults and limits.
    pub fn paging(&mut self) -> (i64, i64) {
        let page = self.int_in("page", 1, 1_000_000, 1);
        let size = self.int_in("page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
        (page, size)
    }

    /// `page` and `page_size` as a window of a list.
    pub fn window(&mut self) -> crate::db::Window {
        let (page, page_size) = self.paging();
        crate::db::Window { page, page_size }
    }

    /// A word of a vocabulary, named in the error when it is not one.
    pub fn word<T: std::str::FromStr>(&mut self, name: &str, spelled: &str) -> Option<T> {
        let raw = self.take(name)?;
        match raw.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.errors.push(FieldError::new(
                    name,
                    "invalid",
                    format!("must be {spelled}"),
                ));
                None
            }
        }
    }

    /// Anything left over was not a parameter of this endpoint.
    pub fn finish(mut self) -> Result<(), crate::error::Error> {
        for (name, _) in std::mem::take(&mut self.pairs) {
            self.errors.push(FieldError::new(
                name,
                "unknown",
                "not a parameter of this endpoint",
            ));
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(crate::error::Error::Validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &[(&str, &str)]) -> Params {
        Params::new(
            q.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn page_size_over_the_limit_names_the_field() {
        let mut p = params(&[("page_size", "1000")]);
        assert_eq!(p.paging(), (1, DEFAULT_PAGE_SIZE));
        let err = p.finish().unwrap_err();
        let crate::error::Error::Validation(errors) = err else {
            panic!()
        };
        assert_eq!(errors[0].field, "page_size");
    }

    #[test]
    fn unknown_parameters_are_refused_by_name() {
        let mut p = params(&[("page", "2"), ("colour", "red")]);
        assert_eq!(p.paging(), (2, DEFAULT_PAGE_SIZE));
        let crate::error::Error::Validation(errors) = p.finish().unwrap_err() else {
            panic!()
        };
        assert_eq!(errors[0].field, "colour");
    }
}
