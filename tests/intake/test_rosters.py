"""Reading an attendance sheet pasted from a spreadsheet into roster rows."""

import pytest

from issuance.intake.rosters import roster_paste_columns, roster_paste_parse


def test_it_maps_a_tab_separated_sheet_by_its_header_row_whatever_the_column_order():
    text = "Email\tScore (%)\tFull name\tDepartment\r\nana@example.org\t86\tAna Lima\tWards\r\n\r\n"
    assert roster_paste_parse(text) == [{"email": "ana@example.org", "score": "86", "name": "Ana Lima", "attendance": "",
                                        "manager_email": "", "language": ""}]


def test_without_a_header_it_finds_the_email_the_name_and_the_numbers():
    text = 'ben@example.org,"Okoro, Ben",100%,72\nCy Park,cy@example.org,90\n'
    assert roster_paste_parse(text) == [
        {"name": "Okoro, Ben", "email": "ben@example.org", "attendance": "100%", "score": "72", "manager_email": "", "language": ""},
        {"name": "Cy Park", "email": "cy@example.org", "attendance": "90", "score": "", "manager_email": "", "language": ""},
    ]


def test_blank_text_is_no_rows():
    assert roster_paste_parse(" \n\t\n") == []


def test_it_reads_the_managers_email_by_its_header_or_as_the_second_address_on_a_line():
    text = "Name\tEmail\tManager's email\nAna Lima\tana@example.org\trui@example.org\n"
    assert roster_paste_parse(text)[0]["manager_email"] == "rui@example.org"
    assert roster_paste_parse("Ben Okoro,ben@example.org,90,sam@example.org\n")[0] == {
        "name": "Ben Okoro", "email": "ben@example.org", "attendance": "90", "score": "", "manager_email": "sam@example.org", "language": ""}


@pytest.mark.parametrize("header", ["Language", "language", "Lang", "Locale", "Language code", "Preferred language",
                                    "Learner's language", "LANGUAGE_TAG"])
def test_it_reads_the_language_column_by_any_of_its_header_names(header):
    text = f"Name\tEmail\t{header}\nAna Lima\tana@example.org\tpt-BR\n"
    assert roster_paste_parse(text)[0]["language"] == "pt-BR"


def test_without_a_header_no_cell_is_taken_for_a_language():
    # "De" could be a name as well as German: a language is read only under its header.
    assert roster_paste_parse("De Vries,dv@example.org,fr\n")[0] == {
        "name": "De Vries", "email": "dv@example.org", "attendance": "", "score": "", "manager_email": "", "language": ""}


def test_a_column_headed_with_a_word_for_the_person_is_still_that_column():
    text = "Delegate name\tDelegate's e-mail\tTrainee score (%)\tNotes\nAna Lima\tana@example.org\t86\tvegetarian\n"
    assert roster_paste_parse(text) == [{"name": "Ana Lima", "email": "ana@example.org", "score": "86",
                                         "attendance": "", "manager_email": "", "language": ""}]
    assert roster_paste_parse("Candidate\tLearner email\nBen Okoro\tben@example.org\n")[0]["name"] == "Ben Okoro"


def test_it_says_which_header_cells_it_recognised_and_which_it_left_out():
    columns = roster_paste_columns("Delegate name\tE-mail\tAttended (%)\tNotes\nAna Lima\tana@example.org\t100\tx\n")
    assert columns.summary() == ("Columns recognised: Delegate name → name, E-mail → email, Attended (%) → attendance %. "
                                 "Left out: Notes.")
    assert roster_paste_columns("Ana Lima\tana@example.org\t100\n").summary().startswith("No header row recognised")
    assert roster_paste_columns("  \n") is None
