"""Data stage: price sources, the Parquet store, fetching, data checks, the stock universe."""
