-- Release v2's migration (release.migration-drift): the catalogue lists each book's ISBN.
-- Keep in step with ../sqlite/0004_book_isbn.sql. A nullable column, filled for the seed
-- books, so v1's code (which never reads it) keeps working before and after it runs.
ALTER TABLE books ADD COLUMN isbn TEXT;
UPDATE books SET isbn = '978-0-06-051275-4' WHERE id = 1;
UPDATE books SET isbn = '978-0-441-47812-5' WHERE id = 2;
UPDATE books SET isbn = '978-1-59327-828-1' WHERE id = 8;
UPDATE books SET isbn = '978-1-7185-0185-0' WHERE id = 9;
