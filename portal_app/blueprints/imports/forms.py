"""The upload form: which kind of file, and the file."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from portal_app.services.imports import KIND_LABELS


class UploadForm(FlaskForm):
    kind = RadioField("What the file holds", choices=[SelectChoice(kind, label)
                                                     for kind, label in KIND_LABELS.items()],
                      default="customers",
                      validators=[InputRequired("Choose what the file holds.")])
    file = FileField("CSV file", render_kw={"accept": ".csv,text/csv"})

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Choose the CSV file to import.")
