"""Welcome videos: resumable uploads, posters, HR approval, watching."""
