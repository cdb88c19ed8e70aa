"""Reading an attendance sheet pasted from a spreadsheet into roster rows."""

from issuance.intake.rosters import roster_paste_parse


def test_it_maps_a_tab_separated_sheet_by_its_header_row_whatever_the_column_order():
    text = "Email\tScore (%)\tFull name\tDepartment\r\nana@example.org\t86\tAna Lima\tWards\r\n\r\n"
    assert roster_paste_parse(text) == [{"email": "ana@example.org", "score": "86", "name": "Ana Lima", "attendance": ""}]


def test_without_a_header_it_finds_the_email_the_name_and_the_numbers():
    text = 'ben@example.org,"Okoro, Ben",100%,72\nCy Park,cy@example.org,90\n'
    assert roster_paste_parse(text) == [
        {"name": "Okoro, Ben", "email": "ben@example.org", "attendance": "100%", "score": "72"},
        {"name": "Cy Park", "email": "cy@example.org", "attendance": "90", "score": ""},
    ]


def test_blank_text_is_no_rows():
    assert roster_paste_parse(" \n\t\n") == []
