from models.tables import ModelArtefact
from tests.conftest import login


def test_the_model_page_shows_a_card_whose_silhouette_is_undefined(client, session, factory):
    # One profile: ``ProfileModel.quality`` stores no silhouette (None), as it is undefined.
    card = {
        "n_responses": 12,
        "n_flagged": 0,
        "n_ratings": 3,
        "n_dismissals": 1,
        "n_rewards": 9,
        "weak_structure": True,
        "profiles": {"n_profiles": 1, "silhouette": None, "entropy": 0.0, "counts": [12]},
    }
    session.add(ModelArtefact(version=1, blob=b"", meta={"card": card}))
    session.commit()
    hr = factory.person("hr")
    login(client, hr.email)
    page = client.get("/hr/model")
    assert page.status_code == 200
    assert "silhouette –, entropy 0.00" in page.get_data(as_text=True)
