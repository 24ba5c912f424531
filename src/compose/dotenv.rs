//! `.env` files as Compose reads them. (Being written.)
