// Reports: stored runs and sweeps as CSV, a self-contained HTML report and Jupyter notebooks.
import Data
