"""The review screen asks before an irreversible decision and says afterwards what happened."""



def test_approve_and_reject_ask_first_naming_what_will_happen(staff_client, in_review):
    registration = in_review()
    page = staff_client.get(f"/review/{registration.pk}/").content.decode()
    assert page.count('<details class="confirm') == 2  # approve and reject; asking again is not final
    assert "becomes “Registration successful, not yet paid”: € 200.00 cashback is paid" in page
    assert "Yes, approve 1000000001" in page and "Yes, reject 1000000001" in page
    assert "becomes not registrable and the installer is emailed your message" in page


def test_a_decision_is_confirmed_as_done_not_as_the_verb(staff_client, in_review):
    registration = in_review()
    response = staff_client.post(f"/review/{registration.pk}/decide/", {"decision": "approve"}, follow=True)
    page = response.content.decode()
    assert "1000000001 approved: € 200.00 cashback will be paid with the next payout" in page
