"""`invoke bench`: our site and search at corpus scale, beside bare Pelican and Pagefind."""
