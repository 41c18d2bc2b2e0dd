from models.tables import ModelArtefact
from tests.conftest import login
from tests.services.test_training import CARD_WITHOUT_SILHOUETTE


def test_the_model_page_shows_a_card_whose_silhouette_is_undefined(client, session, factory):
    session.add(ModelArtefact(version=1, blob=b"", meta={"card": CARD_WITHOUT_SILHOUETTE}))
    session.commit()
    hr = factory.person("hr")
    login(client, hr.email)
    page = client.get("/hr/model")
    assert page.status_code == 200
    assert "silhouette –, entropy 0.00" in page.get_data(as_text=True)
